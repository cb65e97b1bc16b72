"""The get_all / get_all_ex machinery shared by every entity.

:mod:`bll.query.filters` turns request fields into a MongoDB query, :mod:`bll.query.ordering`
reads ``order_by`` and paging, :mod:`bll.query.projection` reads ``only_fields``,
:mod:`bll.query.scroll` keeps scroll states in Redis, :mod:`bll.query.output` renders stored
documents as API objects and :mod:`bll.query.runner` runs a get_all request end to end.
"""

from bll.query.filters import QuerySpec, build_query
from bll.query.output import to_api
from bll.query.runner import Page, QueryRunner

__all__ = ["Page", "QueryRunner", "QuerySpec", "build_query", "to_api"]
