"""A web process keeps its database connection from one request to the next."""

import pytest
from django.db import close_old_connections, connection


@pytest.mark.django_db(transaction=True)
def test_a_finished_request_leaves_the_database_connection_open_for_the_next():
    connection.ensure_connection()
    opened = connection.connection
    # What Django runs as every request starts and ends.
    close_old_connections()
    close_old_connections()
    assert connection.connection is opened
