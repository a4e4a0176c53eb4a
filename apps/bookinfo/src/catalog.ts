// The fixed data the sample serves. Like Istio's bookinfo, there is one book (product 0);
// details, reviews and ratings answer for any numeric id with the same content, while
// productpage's catalog is the source of truth for which products exist.

export interface Product {
  readonly id: number;
  readonly title: string;
  /** Trusted HTML written here, never taken from a request. */
  readonly descriptionHtml: string;
}

export interface BookDetails {
  readonly id: number;
  readonly author: string;
  readonly year: number;
  readonly type: 'paperback' | 'hardcover';
  readonly pages: number;
  readonly publisher: string;
  readonly language: string;
  readonly 'ISBN-10': string;
  readonly 'ISBN-13': string;
}

export interface ReviewText {
  readonly reviewer: string;
  readonly text: string;
}

export const PRODUCTS: readonly Product[] = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: ' +
      'an early comedy and the shortest play by <b>William Shakespeare</b>. Two pairs of identical ' +
      'twins, parted as infants, turn up in the same city on the same day, and one mistaken identity ' +
      'leads to the next.',
  },
];

export function findProduct(id: number): Product | undefined {
  return PRODUCTS.find((product) => product.id === id);
}

export function bookDetails(id: number): BookDetails {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export const REVIEW_TEXTS: readonly ReviewText[] = [
  { reviewer: 'Reviewer1', text: 'A riot from start to finish: the mix-ups pile up faster than anyone on stage can sort them out.' },
  { reviewer: 'Reviewer2', text: 'Great fun to watch, though it trades depth for pace next to the later plays.' },
];

/** Stars per reviewer, the same for every product. */
export const RATINGS: Readonly<Record<string, number>> = { Reviewer1: 5, Reviewer2: 4 };
