"""Allow `python -m portal` as an alias of the `portal` command."""

from portal.cli import main

raise SystemExit(main())
