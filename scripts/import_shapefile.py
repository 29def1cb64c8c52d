"""Import a layer file unattended, for scheduled jobs (cron, タスクスケジューラ).

A thin wrapper of ``geoapp import``: the same arguments, the same report, exit 0 when the
layer was stored (or checked, with --dry-run) and non-zero otherwise. The database comes
from GEOAPP_DATABASE_URL as for the app. Example::

    GEOAPP_DATABASE_URL=postgresql://geoapp@db/geoapp \\
        python scripts/import_shapefile.py districts /data/incoming/districts.zip --json \\
        > /var/log/geoapp/import-$(date +%F).json
"""

from __future__ import annotations

import sys

from geoapp.cli import main

if __name__ == "__main__":
    main(["import", *sys.argv[1:]])
