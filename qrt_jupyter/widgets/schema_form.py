"""A form generated from a runtime program's ``spec.parameters`` JSON Schema: the widget half.

:class:`SchemaForm` draws one ipywidgets input per field that
:mod:`.schema_fields` reads from the schema, and turns what was typed into the
inputs dict with it.
Validation against the schema itself stays in the service (``service.run``
checks inputs with jsonschema); the form only builds the inputs dict.
"""

from __future__ import annotations

from typing import Any, Mapping

from .schema_fields import (
    BOOLEAN,
    CHOICE,
    EXPRESSION,
    INTEGER,
    MISSING,
    NUMBER,
    STRING,
    FieldSpec,
    FormError,
    collect_inputs,
    fields_from_schema,
)

__all__ = ["SchemaForm"]


# -- the widget ----------------------------------------------------------------


class SchemaForm:
    """ipywidgets inputs for a parameter schema; ``.widget`` is the box to display.

    Optional numeric/boolean parameters without a default get a "set" checkbox:
    a number box always holds *some* number, so without it the form could not
    say "leave this out and let the program decide".
    """

    def __init__(self, schema: Mapping | None, namespace: Mapping | None = None):
        import ipywidgets as w

        self.fields = fields_from_schema(schema)
        self.namespace = namespace
        self.inputs: dict[str, Any] = {}  # name -> input widget
        self.toggles: dict[str, Any] = {}  # name -> "set" checkbox (optional, no default)
        rows = [self._row(w, spec) for spec in self.fields]
        self.error = w.HTML("")
        self.widget = w.VBox(rows + [self.error], layout=w.Layout(width="100%"))

    def _row(self, w, spec: FieldSpec):
        description = spec.name + (" *" if spec.required else "")
        style = {"description_width": "160px"}
        layout = w.Layout(width="auto", min_width="360px")
        needs_toggle = not spec.required and not spec.has_default and spec.kind in (INTEGER, NUMBER, BOOLEAN)
        if spec.kind == INTEGER:
            value = spec.default if spec.has_default else (int(spec.minimum) if spec.minimum is not None else 0)
            if spec.minimum is not None or spec.maximum is not None:
                box = w.BoundedIntText(
                    value=value,
                    min=int(spec.minimum) if spec.minimum is not None else -(2**31),
                    max=int(spec.maximum) if spec.maximum is not None else 2**31 - 1,
                )
            else:
                box = w.IntText(value=value)
        elif spec.kind == NUMBER:
            value = spec.default if spec.has_default else (spec.minimum if spec.minimum is not None else 0.0)
            if spec.minimum is not None or spec.maximum is not None:
                box = w.BoundedFloatText(
                    value=float(value),
                    min=float(spec.minimum) if spec.minimum is not None else -1e308,
                    max=float(spec.maximum) if spec.maximum is not None else 1e308,
                )
            else:
                box = w.FloatText(value=float(value))
        elif spec.kind == BOOLEAN:
            box = w.Checkbox(value=bool(spec.default) if spec.has_default else False, indent=False)
        elif spec.kind == CHOICE:
            options = [(repr(c) if not isinstance(c, str) else c, c) for c in spec.choices]
            if not spec.required and not spec.has_default:
                options = [("—", MISSING)] + options
            value = spec.default if spec.has_default and spec.default in spec.choices else options[0][1]
            box = w.Dropdown(options=options, value=value)
        elif spec.kind == STRING:
            box = w.Text(value=str(spec.default) if spec.has_default else "")
        else:  # expression, kwargs
            value = repr(spec.default) if spec.has_default else ""
            box = w.Textarea(
                value=value,
                placeholder="Python expression, e.g. [circuit]" if spec.kind == EXPRESSION else "{'name': value}",
                rows=1,
            )
        box.description = description
        box.style = style
        box.layout = layout
        box.tooltip = spec.description
        self.inputs[spec.name] = box
        parts = [box]
        if needs_toggle:
            toggle = w.Checkbox(value=False, description="set", indent=False, layout=w.Layout(width="60px"))
            box.disabled = True
            toggle.observe(lambda change, box=box: setattr(box, "disabled", not change["new"]), "value")
            self.toggles[spec.name] = toggle
            parts = [toggle, box]
        hint = f"<span style='color:#666'>{_escape(spec.type_label)}"
        if spec.description:
            hint += f" — {_escape(spec.description)}"
        hint += "</span>"
        return w.VBox([w.HBox(parts), w.HTML(hint, layout=w.Layout(margin="0 0 0 168px"))])

    def raw_values(self) -> dict[str, Any]:
        """What each input holds now, ``MISSING`` for an optional one switched off."""
        values = {}
        for name, box in self.inputs.items():
            toggle = self.toggles.get(name)
            values[name] = MISSING if toggle is not None and not toggle.value else box.value
        return values

    def values(self) -> dict:
        """The inputs dict for ``service.run``; shows and raises :class:`FormError` on bad input."""
        try:
            inputs = collect_inputs(self.fields, self.raw_values(), self.namespace)
        except FormError as exc:
            self.error.value = f"<span style='color:#c62828'>{_escape(str(exc))}</span>"
            raise
        self.error.value = ""
        return inputs


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)
