"""What changed between two versions' escalation registers, in words legal reads before signing.

Paths are matched by where they lead (the step, and the calls they go through) and the conditions along them: a
path only in the newer register is added ("adds a route to police (110) … without 'the duty manager's
assessment'", naming the steps every older route there passed and this one does not, and a payment's missing
authority check); one only in the older is removed; a matched path whose roles, time limits, money limits or
authority check differ is changed. Thresholds of the decision tables' rules are matched by table and rule: a moved
amount is told as raised or lowered ("raises the duty manager's limit from ¥500 to ¥1,000").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.legal.register_words import money
from app.users.roles import ROLES

Entry = dict[str, Any]


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    before = {_identity(p): p for p in old["paths"]}
    after = {_identity(p): p for p in new["paths"]}
    added = [{"path": p, "words": _added(p, old["paths"])} for key, p in after.items() if key not in before]
    removed = [{"path": p, "words": _removed(p)} for key, p in before.items() if key not in after]
    changed = []
    for key, path in after.items():
        if key in before:
            words = _changed(before[key], path)
            if words:
                changed.append({"path": path, "from_path": before[key]["id"], "words": words})
    thresholds = _thresholds(old["tables"], new["tables"])
    return {"key": new["key"], "name": new["name"], "from_version": old["version"], "to_version": new["version"],
            "from_digest": old["digest"], "to_digest": new["digest"],
            "unchanged": old["digest"] == new["digest"] or not (added or removed or changed or thresholds),
            "added": added, "removed": removed, "changed": changed, "thresholds": thresholds}


def _identity(path: Entry) -> tuple:
    return (path["target"]["process"], path["target"]["element"], tuple(path["via"]),
            tuple(c["choice"]["en"] for c in path["conditions"]))


def _where(path: Entry) -> tuple[str, str]:
    kinds_zh = "、".join(k["zh"] for k in path["kind_names"])
    kinds_en = ", ".join(k["en"] for k in path["kind_names"])
    name = path["target"]["name"]
    conditions_zh = "；".join(c["zh"] for c in path["conditions"]) or "无条件"
    conditions_en = "; ".join(c["en"] for c in path["conditions"]) or "always"
    return (f"通往{kinds_zh}（{name['zh']}）的路径，条件：{conditions_zh}",
            f"a route to {kinds_en} ({name['en']}) when {conditions_en}")


def _added(path: Entry, old_paths: list[Entry]) -> dict[str, str]:
    zh, en = _where(path)
    missing_zh, missing_en = [], []
    earlier = [p for p in old_paths if (p["target"]["process"], p["target"]["element"])
               == (path["target"]["process"], path["target"]["element"])] or [
        p for p in old_paths if set(p["kinds"]) & set(path["kinds"])]
    if earlier:
        common = set.intersection(*({s["id"] for s in p["steps"]} for p in earlier))
        names = {s["id"]: s for p in earlier for s in p["steps"]}
        mine = {s["id"] for s in path["steps"]}
        for step_id in sorted(common - mine):
            missing_zh.append(f"“{names[step_id]['zh']}”")
            missing_en.append(f"'{names[step_id]['en']}'")
    if path["authority_checked"] is False:
        missing_zh.append("审批权限检查")
        missing_en.append("an authority check")
    if missing_en:
        zh += f"，且不经过{'、'.join(missing_zh)}"
        en += f" without {', '.join(missing_en)}"
    return {"zh": f"新增{zh}", "en": f"Adds {en}"}


def _removed(path: Entry) -> dict[str, str]:
    zh, en = _where(path)
    return {"zh": f"删除{zh}", "en": f"Removes {en}"}


def _changed(old: Entry, new: Entry) -> dict[str, str] | None:
    parts_zh, parts_en = [], []
    for field, zh, en in (("conditions", "条件", "conditions"), ("roles", "岗位", "roles"),
                          ("time_limits", "时限", "time limits"),
                          ("money_limits", "金额权限", "money limits")):
        before = {_key(item): item for item in old[field]}
        after = {_key(item): item for item in new[field]}
        gained = [after[k] for k in after if k not in before]
        lost = [before[k] for k in before if k not in after]
        if gained:
            parts_zh.append(f"新增{zh}：{'、'.join(i['zh'] for i in gained)}")
            parts_en.append(f"adds {en}: {', '.join(i['en'] for i in gained)}")
        if lost:
            parts_zh.append(f"不再有{zh}：{'、'.join(i['zh'] for i in lost)}")
            parts_en.append(f"no longer {en}: {', '.join(i['en'] for i in lost)}")
    if old["authority_checked"] is True and new["authority_checked"] is False:
        parts_zh.append("付款前不再经过审批权限检查")
        parts_en.append("the payment no longer passes an authority check first")
    if not parts_en:
        return None
    zh, en = _where(new)
    return {"zh": f"{zh}：{'；'.join(parts_zh)}", "en": f"{en[0].upper()}{en[1:]}: {'; '.join(parts_en)}"}


def _key(item: dict[str, Any]) -> str:
    return str(item.get("id") or item.get("name") or item["en"])  # a role's id, a limit's name, else its words


def _thresholds(old_tables: list[Entry], new_tables: list[Entry]) -> list[dict[str, Any]]:
    old_rules = {(t["id"], r["id"]): (t, r) for t in old_tables for r in t["rules"]}
    moved = []
    for table in new_tables:
        for rule in table["rules"]:
            if (table["id"], rule["id"]) not in old_rules:
                moved.append({"table": table["id"], "rule": rule["id"], "from": None, "to": None, "words": {
                    "zh": f"新增规则：{rule['words']['zh']}", "en": f"Adds the rule: {rule['words']['en']}"}})
                continue
            _, before = old_rules[(table["id"], rule["id"])]
            for old_t, new_t in zip(before["thresholds"], rule["thresholds"], strict=False):
                if old_t["operator"] == new_t["operator"] and Decimal(old_t["amount"]) != Decimal(new_t["amount"]):
                    moved.append({"table": table["id"], "rule": rule["id"], "from": old_t["amount"],
                                  "to": new_t["amount"], "words": _moved(rule, old_t, new_t)})
    new_rules = {(t["id"], r["id"]) for t in new_tables for r in t["rules"]}
    for (table_id, rule_id), (_, rule) in old_rules.items():
        if (table_id, rule_id) not in new_rules:
            moved.append({"table": table_id, "rule": rule_id, "from": None, "to": None, "words": {
                "zh": f"删除规则：{rule['words']['zh']}", "en": f"Removes the rule: {rule['words']['en']}"}})
    return moved


def _moved(rule: Entry, old: Entry, new: Entry) -> dict[str, str]:
    raised = Decimal(new["amount"]) > Decimal(old["amount"])
    if rule["output"] not in ROLES:  # a rule that names no approver: its words say what it gives
        return {"zh": f"把此规则的金额界限从 {money(old['amount'])} {'提高' if raised else '降低'}到 "
                      f"{money(new['amount'])}（{rule['words']['zh']}）",
                "en": f"{'Raises' if raised else 'Lowers'} the rule's amount from {money(old['amount'])} to "
                      f"{money(new['amount'])} ({rule['words']['en']})"}
    zh_role, en_role = ROLES[rule["output"]]
    en_role = "senior management" if rule["output"] == "senior_management" else en_role.lower()
    before, after = money(old["amount"]), money(new["amount"])
    if new["operator"] in ("<", "<="):
        return {"zh": f"把{zh_role}的权限从 {before} {'提高' if raised else '降低'}到 {after}（{rule['words']['zh']}）",
                "en": f"{'Raises' if raised else 'Lowers'} the {en_role}'s limit from {before} to {after} "
                      f"({rule['words']['en']})"}
    change = "提高" if raised else "降低"
    return {"zh": f"把须由{zh_role}审批的起点从 {before} {change}到 {after}（{rule['words']['zh']}）",
            "en": f"{'Raises' if raised else 'Lowers'} the amount from which {en_role} approves from {before} to "
                  f"{after} ({rule['words']['en']})"}
