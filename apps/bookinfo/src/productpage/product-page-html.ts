import type { Product } from '../catalog.js';
import { escapeHtml } from '../html-escape.js';
import type { ReviewsPayload } from '../reviews-payload.js';
import { pageHtml } from './page-layout.js';
import { ratingHtml } from './stars-html.js';

export const DETAILS_UNAVAILABLE = 'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_UNAVAILABLE = 'Sorry, product reviews are currently unavailable for this book.';

export interface ProductPageModel {
  readonly product: Product;
  readonly user: string | undefined;
  /** The details service's answer, or `null` when it could not be had. */
  readonly details: Readonly<Record<string, unknown>> | null;
  /** The reviews service's answer, or `null` when it could not be had. */
  readonly reviews: ReviewsPayload | null;
}

/** Detail rows in the order the page lists them: field in the details JSON → label. */
const DETAIL_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['type', 'Type'],
  ['pages', 'Pages'],
  ['publisher', 'Publisher'],
  ['language', 'Language'],
  ['ISBN-10', 'ISBN-10'],
  ['ISBN-13', 'ISBN-13'],
];

function detailsHtml(details: Readonly<Record<string, unknown>> | null): string {
  if (details === null) {
    return `<h4 class="text-center text-primary">Book Details</h4>\n<p>${DETAILS_UNAVAILABLE}</p>`;
  }
  const rows = DETAIL_FIELDS.map(([field, label]) => {
    const value = details[field];
    const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    return `<dt>${label}:</dt><dd>${escapeHtml(text)}</dd>`;
  });
  return `<h4 class="text-center text-primary">Book Details</h4>\n<dl>\n${rows.join('\n')}\n</dl>`;
}

function reviewsHtml(reviews: ReviewsPayload | null): string {
  if (reviews === null) {
    return `<h4 class="text-center text-primary">Book Reviews</h4>\n<p>${REVIEWS_UNAVAILABLE}</p>`;
  }
  const quotes = reviews.reviews.map(
    (review) =>
      `<blockquote>\n<p>${escapeHtml(review.text)}</p>\n<small>${escapeHtml(review.reviewer)}</small>\n` +
      `${ratingHtml(review.rating)}\n</blockquote>`,
  );
  const cluster = reviews.clustername === null ? '' : ` on cluster <u>${escapeHtml(reviews.clustername)}</u>`;
  const version = reviews.version === '' ? '' : ` (${escapeHtml(reviews.version)})`;
  const servedBy = `<dl><dt>Reviews served by:</dt><dd><u>${escapeHtml(reviews.podname)}</u>${version}${cluster}</dd></dl>`;
  return `<h4 class="text-center text-primary">Book Reviews</h4>\n${quotes.join('\n')}\n${servedBy}`;
}

/** `/productpage`: the book, its details and its reviews, each part failing on its own. */
export function productPageHtml(model: ProductPageModel): string {
  const body = [
    `<h3 class="text-center text-primary">${escapeHtml(model.product.title)}</h3>`,
    // descriptionHtml is markup from the catalog in this package, never from a request.
    `<p>Summary: ${model.product.descriptionHtml}</p>`,
    '<div class="row">',
    `<div class="col-md-6" id="details">${detailsHtml(model.details)}</div>`,
    `<div class="col-md-6" id="reviews">${reviewsHtml(model.reviews)}</div>`,
    '</div>',
  ].join('\n');
  return pageHtml('Simple Bookstore App', model.user, body);
}
