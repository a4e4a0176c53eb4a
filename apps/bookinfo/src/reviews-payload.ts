// The JSON the reviews service answers with, shared by the service that writes it and the
// product page that reads it (from the network, so it is checked, never trusted).

export type StarColor = 'black' | 'red';

export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

export type Rating = { readonly stars: number; readonly color: string } | { readonly error: string };

export interface Review {
  readonly reviewer: string;
  readonly text: string;
  readonly rating?: Rating;
}

export interface ReviewsPayload {
  readonly id: number;
  readonly podname: string;
  readonly clustername: string | null;
  /** Which deployment answered (v1, v2, v3): what traffic-shifting demos watch. */
  readonly version: string;
  readonly reviews: readonly Review[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readRating(value: unknown): Rating | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.error === 'string') return { error: value.error };
  if (typeof value.stars === 'number' && typeof value.color === 'string') {
    return { stars: value.stars, color: value.color };
  }
  return undefined;
}

function readReview(value: unknown): Review | undefined {
  if (!isRecord(value) || typeof value.reviewer !== 'string' || typeof value.text !== 'string') return undefined;
  const rating = readRating(value.rating);
  return rating === undefined
    ? { reviewer: value.reviewer, text: value.text }
    : { reviewer: value.reviewer, text: value.text, rating };
}

/** Reads a reviews answer received over the network; `null` when it is not one. */
export function readReviewsPayload(body: unknown): ReviewsPayload | null {
  if (!isRecord(body) || !Array.isArray(body.reviews)) return null;
  const reviews: Review[] = [];
  for (const item of body.reviews as unknown[]) {
    const review = readReview(item);
    if (review === undefined) return null;
    reviews.push(review);
  }
  return {
    id: typeof body.id === 'number' ? body.id : Number(body.id),
    podname: typeof body.podname === 'string' ? body.podname : '',
    clustername: typeof body.clustername === 'string' ? body.clustername : null,
    version: typeof body.version === 'string' ? body.version : '',
    reviews,
  };
}
