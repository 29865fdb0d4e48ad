"""stack.py: the commands `make run` (`nurture up`) starts, as the programs they start read them."""

from __future__ import annotations

from pathlib import Path

from rasa.__main__ import create_argument_parser

from nurture_engine.stack import stack_processes
from nurture_engine.supervisor import expand
from nurture_engine.testing import test_settings


def test_rasa_reads_a_token_that_starts_with_a_dash() -> None:
    """Generated tokens are URL-safe base64, which may begin with '-' (1 run in 64): passed as a separate
    argument, Rasa's parser took it for an option and `make run` stopped ("expected one argument")."""
    rasa = next(p for p in stack_processes(test_settings(), model=Path("models/nurture.tar.gz")) if p.name == "rasa")
    argv = expand(rasa.argv, {"RASA_TOKEN": "-Ab_c9", "NURTURE_ENDPOINTS": "bot/endpoints.yml"})
    assert argv[1:3] == ["-m", "nurture_engine.rasa_boot"]
    args = create_argument_parser().parse_args(argv[3:])
    assert args.auth_token == "-Ab_c9"
    assert args.endpoints == "bot/endpoints.yml" and args.port == 5005
