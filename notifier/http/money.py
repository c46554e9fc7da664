"""Money in a request body: an integer number of minor units (tiyn, tyiyn), nothing else.

Pydantic's lax mode would turn ``"1000.00"`` or ``1000.0`` into 1000 minor units: a caller who
meant 1000 tenge would move 10.00. So a money field takes a JSON integer only; a string, a
number with a fraction or a boolean is a 422 whose message names the unit.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BeforeValidator, Strict
from pydantic_core import PydanticCustomError

UNIT: Final = "amount in minor units (tiyn/tyiyn), an integer: 150000 is 1500.00"


def _integer_only(value: object) -> object:
    if type(value) is not int:  # bool is an int to Python, not to a caller
        raise PydanticCustomError("minor_units", UNIT)
    return value


MinorUnits = Annotated[int, BeforeValidator(_integer_only), Strict()]
