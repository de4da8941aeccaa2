"""The registry's pages, one module per part (their addresses are all in ocop/registry/urls.py):
`producers`, `products` (with the product's photos), `imports` (upload, check, confirm) and `exports`
(the import templates and the exports); `_shared` holds what the producer and product pages share."""
