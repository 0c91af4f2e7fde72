import pytest


@pytest.fixture(autouse=True)
def money_settings():
    """The [money] defaults of terminal/config.py, as the CLI and the station set them."""
    from db.money import configure_from
    from terminal import config
    configure_from(config.Config(config.defaults()))
