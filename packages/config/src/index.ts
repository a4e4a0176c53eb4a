// Nothing is exported yet: see README.md.
export {};
