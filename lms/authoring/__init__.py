"""Course authoring in the browser: a unit's authors write courses as drafts in the courses/
format, preview, publish (with exactly the import's rules) and keep versions."""
