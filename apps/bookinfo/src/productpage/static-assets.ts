/** The few files under `/static/`, kept in memory: the page needs a stylesheet, nothing more. */
const ASSETS: ReadonlyMap<string, { readonly contentType: string; readonly body: string }> = new Map([
  [
    '/static/css/bookinfo.css',
    {
      contentType: 'text/css; charset=utf-8',
      body: [
        'body { font-family: sans-serif; margin: 0; }',
        '.navbar { display: flex; gap: 1em; align-items: center; padding: 0.5em 1em; background: #222; color: #eee; }',
        '.navbar a { color: #eee; }',
        '.container { max-width: 960px; margin: 0 auto; padding: 1em; }',
        '.row { display: flex; gap: 2em; }',
        '.col-md-6 { flex: 1; }',
        '.text-center { text-align: center; }',
        '.text-primary { color: #337ab7; }',
        'blockquote { border-left: 4px solid #ddd; margin: 1em 0; padding-left: 1em; }',
        '.glyphicon-star::before { content: "\\2605"; }',
        '.glyphicon-star-empty::before { content: "\\2606"; }',
        '',
      ].join('\n'),
    },
  ],
]);

export function staticAsset(path: string): { readonly contentType: string; readonly body: string } | undefined {
  return ASSETS.get(path);
}
