"""The downloadable templates: header row, one example row, and in XLSX a sheet explaining each column."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.registry.models import ImportJob
from ocop.registry.spreadsheets.columns import LAYOUTS
from ocop.registry.spreadsheets.reading import read_rows
from tests.factories import commune, make_user
from tests.registry.test_import import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client_of):
    return client_of(make_user(Role.PROVINCE_OFFICER))


@pytest.mark.parametrize("kind", ["producers", "products"])
def test_xlsx_template(client, kind):
    response = client.get(reverse("registry:import_template", args=[kind, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    layout = LAYOUTS[kind]
    assert workbook.sheetnames == [layout.sheet_title, "Hướng dẫn"]
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == layout.headers and len(rows) == 2  # the header and one example
    guide = {r[0]: r for r in workbook["Hướng dẫn"].iter_rows(values_only=True) if r and r[0]}
    assert set(layout.headers) <= set(guide)
    for column in layout.columns:
        assert guide[column.header][1] == column.key and guide[column.header][4]  # explained
    if kind == "producers":
        assert "Hộ kinh doanh" in guide["Loại hình"][3] and guide["Mã số thuế"][2] == "Có"
    else:
        assert guide["Bộ sản phẩm"][2] == "Một trong hai" and "I.3.a" in guide["Bộ sản phẩm"][3]


@pytest.mark.parametrize("kind", ["producers", "products"])
def test_csv_template(client, kind):
    response = client.get(reverse("registry:import_template", args=[kind, "csv"]))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    _fmt, rows = read_rows(response.content)
    assert rows[0][1] == LAYOUTS[kind].headers and len(rows) == 2


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_producer_template_imports_as_it_is(client, fmt):
    data = client.get(reverse("registry:import_template", args=["producers", fmt])).content
    job = upload(client, "producers", SimpleUploadedFile(f"mau.{fmt}", data))
    assert (job.status, job.created_count) == (ImportJob.Status.CHECKED, 1), job.errors
    rows = read_rows(data)[1]
    assert rows[1][1][3] == commune().code  # a real commune of the officer's province


def test_unknown_template_is_404(client):
    assert client.get(reverse("registry:import_template", args=["producers", "ods"])).status_code == 404
    assert client.get(reverse("registry:import_template", args=["cows", "csv"])).status_code == 404
