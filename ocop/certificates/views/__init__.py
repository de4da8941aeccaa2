"""The certificate pages (addresses in ocop/certificates/urls.py): `public` (the list, verification and
the PDF, open to anyone) and `revoke` (the officers' revocation page)."""
