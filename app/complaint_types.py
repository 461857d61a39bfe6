"""The six complaint types: each is the key of the BPMN process that handles it."""

from __future__ import annotations

COMPLAINT_TYPES: dict[str, tuple[str, str]] = {
    "quality": ("商品质量和服务投诉", "Product quality and service"),
    "lost_property": ("财物丢失或损坏", "Lost or damaged property"),
    "vehicle": ("车辆或车内财物", "Vehicle or property in a vehicle"),
    "conflict": ("顾客冲突", "Conflict between customers or with staff"),
    "security_gate": ("报警系统或截停", "Security-gate alarm or stop"),
    "regulator_referral": ("政府部门或消协转办", "Referral from a regulator"),
}

CHANNELS: dict[str, tuple[str, str]] = {
    "desk": ("服务台", "Service desk"),
    "hotline": ("热线电话", "Hotline"),
    "website": ("网站", "Website"),
    "wechat": ("微信", "WeChat"),
    "app": ("手机应用", "App"),
    "email": ("电子邮件", "Email"),
    "suggestion_box": ("意见箱", "Suggestion box"),
    "letter": ("信函（含转办函）", "Letter (incl. a referral letter)"),
}
