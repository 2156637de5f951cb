"""The persistent analysis cache (index entries, lint results) in the user's cache folder."""
