"""A draft's conflict lines (app/definitions/compare.py `conflict_lines`): each element added, removed or changed,
with its aspects as the diagrams write them, in Chinese and English; pinned word for word."""

from __future__ import annotations

from lxml import etree

from app.definitions.compare import conflict_lines
from app.definitions.compare_words import MAX_LINES
from tests.test_compare import version


def parsed(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def edited() -> str:
    """The compare tests' small process with a step added, one removed and one of each aspect changed."""
    xml = version("cl", check=True, form_pay="lifecycle.acknowledge", condition="", limit="P3D")
    return (xml.replace('name="金额较大?"', 'name="  金额较大？ "').replace("value=\"'ask'\"", "")
            .replace('<bpmn:endEvent id="end_no" name="不付款"/>', ""))


def test_each_change_is_one_line_in_both_languages():
    assert conflict_lines(parsed(version("cl")), parsed(edited())) == [
        {"zh": "新增用户任务「核对小票」（check）", "en": "Added user task '核对小票' (check)"},
        {"zh": "新增顺序流（f_check）", "en": "Added sequence flow (f_check)"},
        {"zh": "删除结束事件「不付款」（end_no）", "en": "Removed end event '不付款' (end_no)"},
        {"zh": '修改边界事件「询问超时」（late）：时限「sla("feedback")」→「P3D」',
         "en": "Changed boundary event '询问超时' (late): time limit 'sla(\"feedback\")' → 'P3D'"},
        {"zh": "修改服务任务「提醒」（remind）：参数「element_id='ask'」→「element_id=None」",
         "en": "Changed service task '提醒' (remind): parameters 'element_id='ask'' → 'element_id=None'"},
        {"zh": "修改排他网关「金额较大？」（gw）：名称「金额较大?」→「金额较大？」",
         "en": "Changed exclusive gateway '金额较大？' (gw): name '金额较大?' → '金额较大？'"},
        {"zh": "修改用户任务「付款」（pay）：表单「lifecycle.payment」→「lifecycle.acknowledge」",
         "en": "Changed user task '付款' (pay): form 'lifecycle.payment' → 'lifecycle.acknowledge'"},
        {"zh": "修改顺序流（f_yes）：条件「amount_claimed > 100」→「—」",
         "en": "Changed sequence flow (f_yes): condition 'amount_claimed > 100' → '—'"},
    ]


def test_from_nothing_everything_is_added_in_document_order():
    lines = conflict_lines(None, parsed(version("cl")))
    assert lines[0] == {"zh": "新增泳道「service_desk」（lane_main）", "en": "Added lane 'service_desk' (lane_main)"}
    assert [line["en"].split("(")[-1].rstrip(")") for line in lines[1:4]] == ["start", "ask", "late"]
    assert all(line["zh"].startswith("新增") for line in lines) and len(lines) == 17


def test_the_same_document_has_no_lines_and_many_changes_are_counted():
    assert conflict_lines(parsed(version("cl")), parsed(version("cl"))) == []
    steps = "".join(f'<bpmn:task id="t{n}"/>' for n in range(MAX_LINES + 5))
    start = '<bpmn:startEvent id="start" name="开始"/>'
    many = version("cl").replace(start, start + steps)
    lines = conflict_lines(parsed(version("cl")), parsed(many))
    assert len(lines) == MAX_LINES + 1
    assert lines[-1] == {"zh": "另有 5 处改动", "en": "and 5 more changes"}
