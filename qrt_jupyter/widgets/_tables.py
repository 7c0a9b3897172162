"""The one look of the dashboard's static HTML tables.

The same tables serve inside ``ipywidgets.HTML`` (Backends, Programs, Sessions
tabs) and in the static summary nbconvert keeps, so the style travels with
each table as a small ``<style>`` scoped to the ``qrt-table`` class.
"""

TABLE_CSS = (
    "<style>.qrt-table{border-collapse:collapse}"
    ".qrt-table th,.qrt-table td{text-align:left;padding:2px 10px;vertical-align:top}"
    ".qrt-table tr:nth-child(even) td{background:rgba(127,127,127,.07)}</style>"
)
