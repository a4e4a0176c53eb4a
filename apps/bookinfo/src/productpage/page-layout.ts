import { escapeHtml } from '../html-escape.js';

/** The navigation bar: the sign-in form, or who is signed in and a way out. */
function navbarHtml(user: string | undefined): string {
  const account =
    user === undefined
      ? '<form class="navbar-form" method="post" action="/login">' +
        '<input type="text" name="username" placeholder="User Name" required> ' +
        '<input type="password" name="passwd" placeholder="Password"> ' +
        '<button type="submit" class="btn">Sign in</button></form>'
      : `<p class="navbar-text">signed in as ${escapeHtml(user)}</p> <a class="btn" href="/logout">Sign out</a>`;
  return `<nav class="navbar"><a class="navbar-brand" href="/productpage">BookInfo Sample</a>${account}</nav>`;
}

/** Wraps a page body in the document every productpage page shares. */
export function pageHtml(title: string, user: string | undefined, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="stylesheet" href="/static/css/bookinfo.css">',
    '</head>',
    '<body>',
    navbarHtml(user),
    `<div class="container">${body}</div>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
