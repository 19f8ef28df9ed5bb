import pytest


@pytest.fixture(autouse=True)
def _approval_batches_inline(settings):
    """A batch approval runs where the test can see it (its on-commit callbacks); the browser
    test turns the thread back on, as in the demo."""
    settings.APPROVAL_BATCH_IN_THREAD = False
