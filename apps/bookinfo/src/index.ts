export { startService } from './start-service.js';
export { optionsFromEnv, parseServiceName } from './env-options.js';
export { SERVICE_NAMES, DEFAULT_HOST, DEFAULT_PORT } from './service-options.js';
export { PROPAGATED_HEADERS, propagatedHeaders } from './trace-headers.js';
export { RATINGS_UNAVAILABLE, readReviewsPayload } from './reviews-payload.js';
export { DETAILS_UNAVAILABLE, REVIEWS_UNAVAILABLE } from './productpage/product-page-html.js';
export { BookinfoConfigError, BookinfoListenError } from './errors.js';

export type { RunningService } from './start-service.js';
export type { EnvOptionsResult, ServiceNameResult } from './env-options.js';
export type { OutboundTimeouts, ServiceName, StartServiceOptions } from './service-options.js';
export type { ReviewsVersion } from './reviews-service.js';
export type { Rating, Review, ReviewsPayload, StarColor } from './reviews-payload.js';
