"""Money recovered from suppliers: the purchasing form's amount, the record it writes, the lint's view of it (money
coming in, no payment), and the money report's figures against hand-counted complaints of June 2019 (mall time,
Asia/Shanghai), a month no other test counts, with the complaints behind them, the files and the monthly PDF.

By hand (supplier actions written straight into the tables; amounts in yuan):

  mark type           merchant  action             recovered  recorded (mall time)
  A    quality        乳品柜     return_and_claim   120.50     2019-06-03 10:00
  B    quality        乳品柜     claim              80.00      2019-06-30 23:30 (16:30 UTC: still June)
  C    quality        面包房     claim              200.00     2019-07-01 00:30 (June 30th in UTC: July in the mall)
  D    conflict       —         claim              50.00      2019-06-10 10:00
  E    quality        面包房     delist             0          2019-06-12 10:00 (nothing recovered)
  F    quality        面包房     claim              (null)     2019-06-15 10:00 (recorded before it was asked)
  G    quality        乳品柜     claim              300.00     2019-05-20 10:00 (the month before)
  H    quality        乳品柜     return_and_claim   40.00      2018-06-05 10:00 (a year earlier)

June 2019: 3 recoveries (A B D), 250.50; by type quality 200.50, conflict 50.00; by merchant 乳品柜 200.50 (D names
none). May: 1, 300.00. June 2018: 1, 40.00. Of quality only: 2, 200.50.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import uuid
from decimal import Decimal

import jsonschema
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import forms
from app.definitions.models import ProcessDefinition
from app.errors import Invalid
from app.extensions import db
from app.records.models import SupplierAction
from app.runtime.models import Complaint
from tests import bpmn_samples as s
from tests.conftest import logged_in_client
from tests.paths import Task, drive
from tests.report_fixtures import delete_complaints, module_fixture, periods
from tests.test_lint_endpoint import diagram, found, lint, task
from tests.test_process_quality import LIABLE, assess
from tests.test_reports import listed, mall, section
from tests.web.test_reports_pages import table_rows

JUNE = {"period": "month", "month": "2019-06"}
# mark: (type, merchant, action, recovered, recorded)
SPECS = {
    "A": ("quality", "乳品柜", "return_and_claim", "120.50", mall(2019, 6, 3, 10)),
    "B": ("quality", "乳品柜", "claim", "80.00", mall(2019, 6, 30, 23, 30)),
    "C": ("quality", "面包房", "claim", "200.00", mall(2019, 7, 1, 0, 30)),
    "D": ("conflict", None, "claim", "50.00", mall(2019, 6, 10, 10)),
    "E": ("quality", "面包房", "delist", "0", mall(2019, 6, 12, 10)),
    "F": ("quality", "面包房", "claim", None, mall(2019, 6, 15, 10)),
    "G": ("quality", "乳品柜", "claim", "300.00", mall(2019, 5, 20, 10)),
    "H": ("quality", "乳品柜", "return_and_claim", "40.00", mall(2018, 6, 5, 10)),
}


class Fixture:
    def __init__(self, app):
        self.app = app
        self.ids: dict[str, int] = {}
        self.numbers: dict[str, str] = {}

    def build(self) -> None:
        with self.app.app_context():
            definitions = dict(db.session.execute(select(ProcessDefinition.key, ProcessDefinition.id)
                                                  .where(ProcessDefinition.kind == "bpmn")).all())
            rows = {}
            for mark, (ctype, party, _action, _amount, at) in SPECS.items():
                rows[mark] = Complaint(
                    number=f"RC-{mark}-{uuid.uuid4().hex[:8]}", type=ctype, definition_id=definitions[ctype],
                    status="open", state="", channel="desk", customer_surname="追偿", customer_phone="13812345678",
                    occurred_at=at, location="现场", involved_party=party, description="x", demand="x", intake={},
                    created_at=at, updated_at=at)
            db.session.add_all(rows.values())
            db.session.flush()
            self.ids = {mark: row.id for mark, row in rows.items()}
            self.numbers = {mark: row.number for mark, row in rows.items()}
            db.session.add_all([
                SupplierAction(complaint_id=self.ids[mark], product="酸奶", action=action, created_at=at,
                               recovered_amount=None if amount is None else Decimal(amount))
                for mark, (_t, _p, action, amount, at) in SPECS.items()])
            db.session.commit()
            db.session.remove()

    def remove(self) -> None:
        with self.app.app_context():
            ids = list(self.ids.values())
            delete_complaints(ids, SupplierAction)
            db.session.commit()
            db.session.remove()

    def of(self, *marks: str) -> set[str]:
        return {self.numbers[mark] for mark in marks}


fixture = module_fixture(Fixture)




def test_recoveries_total_by_type_and_by_merchant(as_user, fixture):
    answer = as_user("senior").get("/reports/money", **JUNE)
    assert answer.status == 200, answer.body
    body = answer.body
    assert periods(section(body, "supplier_recoveries")) == {"recoveries": (3, 1, 1),
                                                            "recovered": (250.5, 300.0, 40.0)}
    assert periods(section(body, "recoveries_by_type")) == {"quality": (200.5, 300.0, 40.0),
                                                           "conflict": (50.0, 0, 0)}
    by_party = section(body, "recoveries_by_party")
    assert periods(by_party) == {"乳品柜": (200.5, 300.0, 40.0)}
    assert section(body, "recoveries_by_type")["quality"]["label"] == {"zh": "商品质量和服务投诉",
                                                                      "en": "Product quality and service"}
    titles = {s["key"]: s["title"] for s in body["sections"]}
    assert titles["supplier_recoveries"] == {"zh": "向供应商追回（元）", "en": "Recovered from suppliers (¥)"}
    # the recoveries sought are still counted by action: C was recorded in July in the mall
    assert periods(section(body, "supplier_actions"))["recoveries_sought"] == (4, 1, 1)


def test_each_recovery_figure_lists_its_complaints(as_user, fixture):
    body = as_user("legal").get("/reports/money", **JUNE).body
    totals = section(body, "supplier_recoveries")
    assert listed(as_user, totals["recovered"]["complaints"]) == fixture.of("A", "B", "D")
    assert listed(as_user, totals["recoveries"]["complaints"]) == fixture.of("A", "B", "D")
    assert listed(as_user, section(body, "recoveries_by_type")["conflict"]["complaints"]) == fixture.of("D")
    assert listed(as_user, section(body, "recoveries_by_party")["乳品柜"]["complaints"]) == fixture.of("A", "B")
    assert totals["recovered"]["complaints"] == {"recovered_from": "2019-05-31T16:00:00Z",
                                                 "recovered_to": "2019-06-30T16:00:00Z"}


def test_the_filters_narrow_the_recoveries(as_user, fixture):
    body = as_user("owner").get("/reports/money", **JUNE, type="quality").body
    assert periods(section(body, "supplier_recoveries")) == {"recoveries": (2, 1, 1),
                                                            "recovered": (200.5, 300.0, 40.0)}
    query = section(body, "supplier_recoveries")["recovered"]["complaints"]
    assert query["type"] == "quality" and listed(as_user, query) == fixture.of("A", "B")
    body = as_user("owner").get("/reports/money", **JUNE, involved_party="面包房").body
    assert periods(section(body, "supplier_recoveries")) == {"recoveries": (0, 0, 0), "recovered": (0.0, 0, 0)}


def test_the_recoveries_as_files_and_the_list_behind_them(app, as_user, tokens, fixture):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['senior']}"}
    response = client.get("/api/v1/reports/money/export", query_string={**JUNE, "format": "csv", "lang": "en"},
                          headers=headers)
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert ["Recovered from suppliers (¥)", "Amount recovered (¥)", "250.5", "300.0", "40.0"] in lines
    assert ["Recovered from suppliers, by merchant or department (¥)", "乳品柜", "200.5", "300.0", "40.0"] in lines
    response = client.get("/api/v1/reports/money/export", query_string={**JUNE, "format": "xlsx"}, headers=headers)
    rows = [tuple(cell.value for cell in row) for row in load_workbook(io.BytesIO(response.get_data())).active.rows]
    assert ("向供应商追回，按投诉类型（元）", "商品质量和服务投诉", 200.5, 300, 40) in rows
    query = section(as_user("senior").get("/reports/money", **JUNE).body, "supplier_recoveries")["recovered"]
    response = client.get("/api/v1/reports/complaints/export", query_string={**query["complaints"], "format": "csv"},
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    text = response.get_data().decode("utf-8-sig")
    assert {line[0] for line in list(csv.reader(io.StringIO(text)))[1:]} == fixture.of("A", "B", "D")
    assert "追偿" not in text and "13812345678" not in text


def test_the_monthly_review_prints_the_recoveries(as_user, fixture, tmp_path):
    for lang, title, amount in (("zh", "向供应商追回（元）", "追回金额（元）"),
                                ("en", "Recovered from suppliers", "Amount recovered")):
        response = as_user("senior").client.get(
            "/api/v1/reports/monthly-review", query_string={"month": "2019-06", "lang": lang},
            headers={"Authorization": f"Bearer {as_user('senior').token}"})
        assert response.status_code == 200
        path = tmp_path / f"{lang}.pdf"
        path.write_bytes(response.data)
        subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / lang)],
                       check=True, capture_output=True)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
        assert title in text
        assert re.search(rf"{re.escape(amount)}[^\n]*?¥250\.50\s+¥300\.00", text), text


@pytest.mark.parametrize(("lang", "title"), [("zh", "向供应商追回（元）"), ("en", "Recovered from suppliers (¥)")])
def test_the_dashboard_shows_the_recoveries(app, fixture, lang, title):
    client = logged_in_client(app, "manager")
    client.set_cookie("lang", lang)
    html = client.get("/reports", query_string=JUNE).get_data(as_text=True)
    assert title in html
    shown = table_rows(html, "money-supplier_recoveries")
    assert shown["recoveries"] == "3" and "250.5" in shown["recovered"]
    assert set(table_rows(html, "money-recoveries_by_type")) == {"quality", "conflict"}
    link = re.search(r'data-section="money-supplier_recoveries">.*?<a href="([^"]+)" class="figure-link">', html,
                     re.S).group(1)
    assert "recovered_from=" in link and "recovered_to=" in link
    listed_html = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert all(number in listed_html for number in fixture.of("A", "B", "D"))
    assert not any(number in listed_html for number in fixture.of("C", "E", "F", "G", "H"))


SUPPLIER = {"supplier": "光明乳业", "supplier_cause": "批次标签印错保质期"}


@pytest.mark.parametrize(("data", "ok"), [
    ({**SUPPLIER, "supplier_action": "return_and_claim", "supplier_recovery": 88.8}, True),
    ({**SUPPLIER, "supplier_action": "claim", "supplier_recovery": 0}, True),
    ({**SUPPLIER, "supplier_action": "delist"}, True),
    ({**SUPPLIER, "supplier_action": "delist", "supplier_recovery": 10}, False),
    ({**SUPPLIER, "supplier_action": "return", "supplier_recovery": 0.01}, False),
    ({**SUPPLIER, "supplier_action": "claim", "supplier_recovery": -1}, False),
])
def test_an_amount_is_recovered_only_with_a_claim_and_the_schema_says_so(data, ok):
    schema = forms.json_schema("quality.supplier")
    assert schema["properties"]["supplier_recovery"]["title"] == "向供应商追回金额（元，仅索赔时填写）"
    assert jsonschema.Draft7Validator(schema).is_valid(data) is ok
    if ok:
        forms.load("quality.supplier", data)
        return
    with pytest.raises(Invalid) as refused:
        forms.load("quality.supplier", data)
    assert "supplier_recovery" in refused.value.extra["errors"]


def test_purchasing_records_the_amount_recovered(as_user):
    steps = [*LIABLE, *assess(), Task("purchaser", "采购部与供应商对接", "purchasing",
                                      {**SUPPLIER, "supplier_action": "return_and_claim", "supplier_recovery": 66.6})]
    detail = drive(as_user, "quality", steps)
    [action] = detail["records"]["supplier_actions"]
    assert (action["action"], action["recovered_amount"]) == ("return_and_claim", "66.60")
    assert not detail["records"]["payment_requests"]  # money coming in: no payment request
    delisted = drive(as_user, "quality", [*LIABLE, *assess(), Task("purchaser", "采购部与供应商对接", "purchasing", {
        **SUPPLIER, "supplier_action": "delist"})])
    assert delisted["records"]["supplier_actions"][0]["recovered_amount"] == "0.00"


def test_a_recovery_is_not_a_payment_to_the_lint_nor_to_the_register(as_user):
    """Recording money recovered needs no authority check before it, and is no payment on the register."""
    owner = as_user("owner")
    recover = ('<bpmn:serviceTask id="recover" name="记录供应商追回">'
               + s.operator("record_supplier_action", product="'酸奶'", action="'claim'", note="''",
                            recovered="123.45") + "</bpmn:serviceTask>")
    xml = diagram("t_recovery", '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>' + task("ask") + recover,
                  [("start", "ask", ""), ("ask", "recover", ""), ("recover", "end", "")], lane="purchasing")
    response = lint(owner, ("recovery.bpmn", xml))
    assert not found(response, "payment_without_authority")
    assert response["ok"] is True, response["problems"]
    version = next(v["version"] for v in as_user("legal").get("/process-definitions/quality")["versions"]
                   if v["active"])
    paths = as_user("legal").get(f"/process-definitions/quality/versions/{version}/register").body["paths"]
    assert any("payment" in p["kinds"] for p in paths)  # the shipped diagram's payments are there
    assert not [p for p in paths if p["target"]["element"] == "record_supplier"]
