"""What a runtime program's ``spec.parameters`` JSON Schema asks for, and how typed values become inputs.

The pure half of the Programs tab's form (:mod:`.schema_form` draws it):
:func:`fields_from_schema`, :func:`coerce_value` and :func:`collect_inputs`
decide *what* inputs a schema asks for and how a typed value becomes a program
input. They need no widgets, so they are tested on their own and serve anything
else that wants a form (a text prompt, ...).

Why expressions: circuits, observables and parameter lists cannot be typed into
a text box as JSON. Parameters whose schema is an object, an array or a union
get a text box holding a *Python expression* evaluated in the user's namespace
(the IPython ``user_ns`` when there is one), so ``[bell]`` or ``SparsePauliOp("ZZ")``
works as it would in a cell. Plain scalars get typed widgets instead, so a typo
in an integer is impossible rather than an error later.

Validation against the schema itself stays in the service (``service.run``
checks inputs with jsonschema); the form only builds the inputs dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = [
    "BOOLEAN",
    "CHOICE",
    "EXPRESSION",
    "INTEGER",
    "KWARGS",
    "KWARGS_FIELD",
    "NUMBER",
    "STRING",
    "FieldSpec",
    "FormError",
    "MISSING",
    "coerce_value",
    "collect_inputs",
    "evaluate_expression",
    "fields_from_schema",
    "user_namespace",
]


class _Missing:
    """Marks "no value": an optional parameter the user left out is not sent at all."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

# kinds of field, each drawn by one kind of input widget
INTEGER, NUMBER, BOOLEAN, STRING, CHOICE, EXPRESSION, KWARGS = (
    "integer",
    "number",
    "boolean",
    "string",
    "choice",
    "expression",
    "kwargs",
)

# name of the single catch-all field of a program without a parameter schema
KWARGS_FIELD = "**inputs"


class FormError(ValueError):
    """A field's value cannot become an input; ``field`` says which one."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class FieldSpec:
    """One input of the form, as read from one property of the schema."""

    name: str
    kind: str
    required: bool = False
    default: Any = MISSING
    description: str = ""
    type_label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    # required by the schema but nullable: leaving it empty sends None, not nothing
    null_when_empty: bool = False
    schema: Mapping = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING


# -- reading a schema ---------------------------------------------------------

_SCALAR_KINDS = {"integer": INTEGER, "number": NUMBER, "boolean": BOOLEAN, "string": STRING}


def _schema_types(prop: Mapping) -> list[str]:
    """The JSON types a property allows (``[]`` when the schema does not say)."""
    declared = prop.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, (list, tuple)):
        return [t for t in declared if isinstance(t, str)]
    for union in ("anyOf", "oneOf"):
        options = prop.get(union)
        if isinstance(options, list):
            types: list[str] = []
            for option in options:
                if not isinstance(option, Mapping):
                    return []
                sub = _schema_types(option)
                if not sub:  # one branch of unknown shape: the whole union is opaque
                    return []
                types += [t for t in sub if t not in types]
            return types
    return []


def _kind_of(prop: Mapping) -> tuple[str, bool]:
    """(kind, nullable) of a property: a typed widget only for a single scalar type."""
    if "enum" in prop and isinstance(prop["enum"], list) and prop["enum"]:
        return CHOICE, None in prop["enum"]
    if "const" in prop:
        return CHOICE, prop["const"] is None
    types = _schema_types(prop)
    nullable = "null" in types
    concrete = [t for t in types if t != "null"]
    if concrete == ["number", "integer"] or concrete == ["integer", "number"]:
        concrete = ["number"]
    if len(concrete) == 1 and concrete[0] in _SCALAR_KINDS:
        return _SCALAR_KINDS[concrete[0]], nullable
    return EXPRESSION, nullable


def _type_label(prop: Mapping) -> str:
    if "enum" in prop:
        return "one of " + ", ".join(repr(v) for v in prop["enum"])
    types = _schema_types(prop)
    return " | ".join(types) if types else "any"


def fields_from_schema(schema: Mapping | None) -> list[FieldSpec]:
    """The form's fields, one per property of a ``spec.parameters`` schema.

    Required parameters come first (in schema order), then the optional ones, so
    that what must be filled in is at the top. A program with no parameter
    schema at all (uploaded without metadata) gets one catch-all field taking a
    Python dict expression, since nothing else is known about its inputs.
    """
    if not schema or not isinstance(schema, Mapping):
        return [
            FieldSpec(
                KWARGS_FIELD,
                KWARGS,
                description="The program has no parameter schema: its inputs as a Python dict.",
                type_label="dict",
            )
        ]
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    fields = []
    for name, prop in properties.items():
        if not isinstance(prop, Mapping):
            prop = {}
        kind, nullable = _kind_of(prop)
        choices: tuple = ()
        if kind == CHOICE:
            choices = tuple(prop["enum"]) if "enum" in prop else (prop["const"],)
        fields.append(
            FieldSpec(
                name=name,
                kind=kind,
                required=name in required and not nullable,
                default=prop.get("default", MISSING),
                description=str(prop.get("description") or prop.get("title") or ""),
                type_label=_type_label(prop),
                minimum=prop.get("minimum", prop.get("exclusiveMinimum")),
                maximum=prop.get("maximum", prop.get("exclusiveMaximum")),
                choices=choices,
                null_when_empty=nullable and name in required,
                schema=prop,
            )
        )
    fields.sort(key=lambda f: not f.required)  # stable: schema order within each group
    return fields


# -- turning what was typed into inputs ---------------------------------------


def user_namespace() -> dict:
    """The namespace expressions are evaluated in: the IPython user's, else an empty one.

    IPython is looked up only if it is already imported, so calling this from
    plain Python never pulls IPython in.
    """
    import sys

    ipython_mod = sys.modules.get("IPython")
    if ipython_mod is not None:
        shell = ipython_mod.get_ipython()
        if shell is not None:
            return shell.user_ns
    return {}


def evaluate_expression(text: str, namespace: Mapping | None = None) -> Any:
    """Evaluate a Python expression the way a notebook cell would.

    This runs code the user typed into their own kernel, exactly as typing it in
    a cell does; it is not a sandbox and does not pretend to be one.
    """
    namespace = user_namespace() if namespace is None else namespace
    code = compile(text, "<qrt_jupyter form>", "eval")
    # eval() adds __builtins__ to a globals dict that lacks it: never to the caller's
    globals_ = namespace if isinstance(namespace, dict) and "__builtins__" in namespace else dict(namespace)
    return eval(code, globals_)  # noqa: S307 - the user's own expression in their own kernel


def coerce_value(spec: FieldSpec, raw: Any, namespace: Mapping | None = None) -> Any:
    """The input value for one field, or :data:`MISSING` to leave it out.

    ``raw`` is what the field's widget holds: a number, a bool, a choice, or text
    (a string for ``string`` fields, an expression for ``expression`` ones).
    Blank text and ``MISSING`` mean "not given": an error for a required field
    without default, otherwise the parameter is left out so the program's own
    default applies.
    """
    if raw is MISSING or (isinstance(raw, str) and not raw.strip() and spec.kind != STRING):
        if spec.required and not spec.has_default:
            raise FormError(spec.name, "required")
        return None if spec.null_when_empty else MISSING
    if spec.kind == STRING:
        if raw == "" and not spec.required:
            return None if spec.null_when_empty else MISSING
        return str(raw)
    if spec.kind in _NUMERIC:
        parse, accepted, what = _NUMERIC[spec.kind]
        if isinstance(raw, bool) or not isinstance(raw, accepted):
            try:
                raw = parse(str(raw).strip())
            except ValueError:
                raise FormError(spec.name, f"not {what}: {raw!r}") from None
        return _check_bounds(spec, raw)
    if spec.kind == BOOLEAN:
        if isinstance(raw, str):
            if raw.strip().lower() in ("true", "1", "yes"):
                return True
            if raw.strip().lower() in ("false", "0", "no"):
                return False
            raise FormError(spec.name, f"not a boolean: {raw!r}")
        return bool(raw)
    if spec.kind == CHOICE:
        if raw not in spec.choices:
            raise FormError(spec.name, f"not one of {list(spec.choices)!r}: {raw!r}")
        return raw
    # expression / kwargs: evaluate unless the caller already has a Python value
    if isinstance(raw, str):
        try:
            value = evaluate_expression(raw, namespace)
        except Exception as exc:  # the message of a SyntaxError/NameError is what the user needs
            raise FormError(spec.name, f"{type(exc).__name__}: {exc}") from None
    else:
        value = raw
    if spec.kind == KWARGS and not isinstance(value, Mapping):
        raise FormError(spec.name, f"expected a dict of inputs, got {type(value).__name__}")
    return value


# numeric kinds: how typed text is parsed, which Python values are taken as they are, the word for errors
_NUMERIC = {INTEGER: (int, int, "an integer"), NUMBER: (float, (int, float), "a number")}


def _check_bounds(spec: FieldSpec, value):
    if spec.minimum is not None and value < spec.minimum:
        raise FormError(spec.name, f"must be >= {spec.minimum}")
    if spec.maximum is not None and value > spec.maximum:
        raise FormError(spec.name, f"must be <= {spec.maximum}")
    return value


def collect_inputs(
    specs: list[FieldSpec], raw_values: Mapping[str, Any], namespace: Mapping | None = None
) -> dict:
    """The ``inputs`` dict for ``service.run`` from every field's raw value.

    All fields are checked before failing, so the user sees every problem at
    once; the raised :class:`FormError` carries them in ``errors``.
    """
    inputs: dict = {}
    errors: list[FormError] = []
    for spec in specs:
        try:
            value = coerce_value(spec, raw_values.get(spec.name, MISSING), namespace)
        except FormError as exc:
            errors.append(exc)
            continue
        if value is MISSING:
            continue
        if spec.kind == KWARGS:
            inputs.update(value)
        else:
            inputs[spec.name] = value
    if errors:
        error = FormError(errors[0].field, "; ".join(str(e) for e in errors))
        error.errors = errors
        raise error
    return inputs
