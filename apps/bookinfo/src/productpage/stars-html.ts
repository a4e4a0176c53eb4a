import { escapeHtml } from '../html-escape.js';
import type { Rating } from '../reviews-payload.js';

const FULL_STAR = '<span class="glyphicon glyphicon-star"></span>';
const EMPTY_STAR = '<span class="glyphicon glyphicon-star-empty"></span>';
const MAX_STARS = 5;

/**
 * A review's rating as the page shows it: `<font color>` around N full and 5-N empty stars,
 * the error text when reviews could not reach ratings, and nothing at all without a rating
 * (reviews v1). The markup is what bookinfo demos and tests look for, so it stays exact.
 */
export function ratingHtml(rating: Rating | undefined): string {
  if (rating === undefined) return '';
  if ('error' in rating) return `<p><i>${escapeHtml(rating.error)}</i></p>`;
  const stars = Math.min(MAX_STARS, Math.max(0, Math.trunc(rating.stars)));
  return (
    `<font color="${escapeHtml(rating.color)}">` +
    FULL_STAR.repeat(stars) +
    EMPTY_STAR.repeat(MAX_STARS - stars) +
    '</font>'
  );
}
