"""FOCUS 1.2 export: the workspace's cost line items as FOCUS Cost and Usage rows (CSV or Parquet).

* ``columns``: the columns, their order and types;
* ``categories``: the FOCUS ServiceCategory of each service (filled by the provider package);
* ``mapping``: one line item (plus its integration and virtual tags) -> one FOCUS row;
* ``source``: the line items to export, streamed from the database;
* ``writers``: CSV and Parquet, chunk by chunk (memory stays flat whatever the size);
* ``services``: what the page, the API and the command call.
"""
