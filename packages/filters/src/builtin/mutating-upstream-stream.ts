import type { Dispatcher } from 'undici';
import { applyHeaderMutations } from '@meshkit/router';
import type { HeaderMutationSet } from '@meshkit/router';
import type { HttpFilterContext } from '../http-filter.js';
import { UpstreamStream } from './upstream-stream.js';

/**
 * An upstream exchange whose route rewrites the response headers (Envoy's
 * `response_headers_to_add`/`_to_remove`): the mutation runs on the upstream's headers before
 * they are forwarded. Only routes with mutations use this class, so others pay nothing.
 */
export class MutatingUpstreamStream extends UpstreamStream {
  constructor(
    ctx: HttpFilterContext,
    private readonly responseMutations: readonly HeaderMutationSet[],
  ) {
    super(ctx);
  }

  override onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx responses are not forwarded; the final response is the one Envoy finalizes.
    super.onResponseStart(controller, statusCode, statusCode < 200 ? headers : applyHeaderMutations(headers, this.responseMutations));
  }
}
