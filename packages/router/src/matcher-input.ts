// Matcher inputs shared by route matching and route actions (Envoy's type.matcher.v3 and type.v3).

/** An RE2 regular expression (RE2 syntax, linear time); it must match the whole input (Envoy's FullMatch). */
export interface SafeRegexInput {
  regex: string;
}

/** Envoy's type.matcher.v3.StringMatcher: exactly one of exact/prefix/suffix/contains/safeRegex. */
export interface StringMatchInput {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: SafeRegexInput;
  /** ASCII case-insensitive comparison; has no effect on safeRegex (as in Envoy). */
  ignoreCase?: boolean;
}

/** Envoy's type.v3.FractionalPercent. */
export interface FractionalPercentInput {
  numerator: number;
  /** Default HUNDRED. */
  denominator?: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION';
}

/** Envoy's RuntimeFractionalPercent; meshkit has no runtime layer, so `defaultValue` is what applies. */
export interface RuntimeFractionInput {
  defaultValue: FractionalPercentInput;
  runtimeKey?: string;
}
