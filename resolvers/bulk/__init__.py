"""Bulk import and export of customers, demands and visits for partners' CRMs.

``mappings`` turns a file's rows into the fields the upserts take (presets for
Salesforce, Zoho, Dynamics 365 and HubSpot exports, or a mapping JSON file),
``files`` reads and writes CSV and JSON Lines in batches, ``importing`` checks
every row and then writes them through the upserts, and ``exporting`` writes
the stored rows in the format ``importing`` reads back (see docs/integration.md).
"""
