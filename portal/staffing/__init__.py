"""Staffing: how many counters to open, hour by hour, to meet a waiting target, from the queue's own data (issue 29).

`plan` builds a unit's week (forecast, Erlang C, what happened); `queries` reads the rollups; `services` writes the
unit's waiting target; `routes_console` and `routes_api` are the doors; `commands` is `portal staffing`."""
