"""API utilities every app's router uses: RFC 7807 problems, pagination, throttling, UTF-8 JSON."""
