// A custom HTTP filter for the meshkit proxy, used by docs/custom-filter.md and loaded by
// apps/proxy/test/custom-filter.test.ts (in process and with `--filter-module`).
//
// Config (from the bootstrap's http_filters entry, usually inside a TypedStruct):
//   header:  the response header to add            (required)
//   value:   its value                             (required)
//   require_request_header: refuse requests without this header with 403 (optional)

/** The config type a bootstrap names to use this filter (a TypedStruct's `type_url`, without `type.googleapis.com/`). */
export const HEADER_STAMP_TYPE = 'meshkit.examples.HeaderStamp';

/** Checks the config once, when the listener is built; a bad config is refused (NACKed) before any request. */
function readConfig(config) {
  const { header, value, require_request_header: required } = config;
  if (typeof header !== 'string' || header === '') throw new Error('header: a non-empty string is required');
  if (typeof value !== 'string') throw new Error('value: a string is required');
  if (required !== undefined && typeof required !== 'string') throw new Error('require_request_header: a string is expected');
  return { header: header.toLowerCase(), value, required: required?.toLowerCase() };
}

/** The factory: `typeName` is how the proxy finds it, `compile` runs once per config. */
export const headerStampFilter = {
  typeName: HEADER_STAMP_TYPE,
  compile(rawConfig) {
    const config = readConfig(rawConfig);
    return {
      name: 'meshkit.examples.header_stamp',
      // One filter object per request; `ctx` is that request's context.
      create(ctx) {
        return {
          onRequestHeaders(headers) {
            if (config.required !== undefined && headers[config.required] === undefined) {
              // A local reply: the request stops here and never reaches the router.
              ctx.respond(403, `missing ${config.required}\n`);
              return 'stop';
            }
            return 'continue';
          },
          onResponseHeaders(headers) {
            headers[config.header] = config.value;
            return 'continue';
          },
        };
      },
    };
  },
};
