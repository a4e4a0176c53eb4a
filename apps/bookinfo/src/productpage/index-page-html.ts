import { pageHtml } from './page-layout.js';

/** `/`: what the app is and where to go, like Istio's bookinfo landing page. */
export function indexPageHtml(user: string | undefined): string {
  const body = [
    '<h3>Bookinfo: one book page, built by four services</h3>',
    '<table class="table">',
    '<tr><th>service</th><th>what it does</th></tr>',
    '<tr><td>productpage</td><td>this page, and the book page built from the other three</td></tr>',
    '<tr><td>details</td><td>the book&#39;s details</td></tr>',
    '<tr><td>reviews</td><td>reviews (v1 without ratings, v2 black stars, v3 red stars)</td></tr>',
    '<tr><td>ratings</td><td>star ratings, asked by reviews v2 and v3</td></tr>',
    '</table>',
    '<p>Open the book page as a regular visitor or as a tester (the query string only tags the request):</p>',
    '<p><a href="/productpage?u=normal">Normal user</a></p>',
    '<p><a href="/productpage?u=test">Test user</a></p>',
  ].join('\n');
  return pageHtml('Simple Bookstore App', user, body);
}
