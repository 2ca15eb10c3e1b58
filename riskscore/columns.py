"""The columnar form of many counterparties: numpy arrays plus offsets for the ragged lists.

A :class:`Columns` holds ``n`` counterparties:

================  ===========================================================================
``ids``           ``list[str]`` of length ``n``
``incorporation`` ``int32[n]``: a country number (see :func:`country_numbers`), ``-1`` missing
``operations``    :class:`Ragged` of country numbers
``owners``        :class:`Ragged` of country numbers, with ``shares`` (``float64``)
``trade_partners`` :class:`Ragged` of country numbers, with ``shares``
``products``      :class:`Ragged` of product numbers (see :func:`product_numbers`)
``pep``           ``bool[n]``
``sanctions_hit`` ``bool[n]``
``attributes``    ``dict[str, object[n]]``: custom attribute values by name, ``None`` not given
================  ===========================================================================

A :class:`Ragged` stores row ``i``'s items at ``values[offsets[i]:offsets[i + 1]]``
(``offsets`` is ``int64[n + 1]``, starting at 0) and ``missing[i]`` says the field was not
provided (``None``), which the policy scores differently from an empty list.

Country and product numbers are process-wide: every canonical country code (``DE``,
``UA-43``) and HS code gets one small integer the first time it is seen, so compiled
policies can hold per-country arrays; another process numbers them in its own order, so a
:class:`Columns` pickles by codes and renumbers itself on load. Build columns with
:meth:`Columns.from_records`, :meth:`Columns.from_pandas` or :meth:`Columns.from_arrow`, or by
hand with :func:`country_numbers` and :func:`product_numbers`.

The code lives in private modules, re-exported here: the numbering in
:mod:`riskscore._numbering`, :class:`Ragged` in :mod:`riskscore._ragged`, :class:`Columns` in
:mod:`riskscore._columnar` (its checks in :mod:`riskscore._columns_checks`), building from
records in :mod:`riskscore._fastcols` and :mod:`riskscore._build`, and the one-record fast
path (:func:`fast_record`) in :mod:`riskscore._record`.
"""

from __future__ import annotations

from ._build import CHUNK as CHUNK
from ._build import build_columns as build_columns
from ._columnar import Columns
from ._columns_checks import _share_problems as _share_problems
from ._fastcols import _check_types as _check_types
from ._fastcols import _fast_attributes as _fast_attributes
from ._fastcols import _Slow as _Slow
from ._fastcols import fast_lists as fast_lists
from ._numbering import COUNTRIES as COUNTRIES
from ._numbering import MISSING as MISSING
from ._numbering import PRODUCTS as PRODUCTS
from ._numbering import _Registry as _Registry
from ._numbering import country_codes, country_numbers, product_codes, product_numbers
from ._ragged import Ragged
from ._record import Record as Record
from ._record import _Item as _Item
from ._record import fast_record as fast_record

__all__ = ["Columns", "Ragged", "country_codes", "country_numbers", "product_codes", "product_numbers"]

for _obj in (Columns, Ragged, country_codes, country_numbers, product_codes, product_numbers):
    _obj.__module__ = __name__  # re-home, so reprs, docs and pickles say riskscore.columns
del _obj
