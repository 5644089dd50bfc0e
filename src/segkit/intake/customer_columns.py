"""Customer attribute headers as companies write them, in Chinese and English, to canonical names.

A customer file from a Chinese CRM says 客户编号, 省份, 行业; an English one ``Customer ID``,
``Province``, ``Industry``. Both are renamed to the canonical names the profiles, the churn model
and the need report read (``customer_id``, ``province``, ``industry`` ...), so a file with
Chinese headers gives the same profiles as one with English headers. Personal columns (姓名,
手机号, 身份证号, 地址, 邮箱) are renamed too (``name``, ``phone``, ``id_number``, ``address``,
``email``), so the personal-data filter and the leak scanner see them under one name.

An explicit mapping (canonical name → source column) always wins over these aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from segkit.core import schema
from segkit.core.errors import InputError

#: Canonical attribute → header aliases (compared ignoring case, blanks, underscores and hyphens).
CUSTOMER_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    schema.CUSTOMER_ID: (
        "customer_id", "customer id", "customerid", "customer no", "customer number", "cust_id", "client_id",
        "member_id", "客户编号", "客户ID", "客户号", "客户代码", "客户编码", "会员编号", "会员ID", "会员号", "用户ID",
        "用户编号",
    ),
    "signup_date": (
        "signup_date", "sign-up date", "registration date", "registered", "created_at", "join_date",
        "注册日期", "注册时间", "开户日期", "入会日期", "建档日期",
    ),
    "customer_type": ("customer_type", "customer type", "type", "客户类型", "客户类别", "客户性质"),
    "region": ("region", "area", "地区", "区域", "大区"),
    "province": ("province", "state", "省份", "省", "所在省份"),
    "city": ("city", "城市", "所在城市", "市"),
    "country": ("country", "国家", "国家/地区"),
    "industry": ("industry", "sector", "行业", "所属行业", "行业类别"),
    "age_band": ("age_band", "age band", "age group", "年龄段", "年龄组"),
    "gender": ("gender", "sex", "性别"),
    "channel": ("channel", "acquisition channel", "渠道", "来源渠道", "获客渠道"),
    "risk_preference": ("risk_preference", "risk profile", "风险偏好", "风险等级", "风险承受能力"),
    # personal data: renamed so that segkit.core.privacy finds them under one name, then dropped
    "name": ("name", "full name", "customer name", "contact", "姓名", "名字", "客户姓名", "客户名称", "联系人"),
    "phone": ("phone", "mobile", "telephone", "phone number", "手机号", "手机", "手机号码", "电话", "联系电话"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件", "邮件"),
    "id_number": ("id_number", "id card", "national id", "身份证号", "身份证", "身份证号码", "证件号码", "证件号"),
    "address": ("address", "street", "地址", "住址", "联系地址", "详细地址", "通讯地址"),
}  # fmt: skip


def _loose(name: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).casefold()


_ALIAS_TO_CANONICAL = {_loose(alias): canonical for canonical, aliases in CUSTOMER_COLUMN_ALIASES.items() for alias in aliases}


def customer_column_names(
    columns: Iterable[object], *, mapping: Mapping[str, str] | None = None, source: str = "customers"
) -> dict[str, str]:
    """Source column → canonical name for the columns of a customer file that are recognised.

    Parameters
    ----------
    columns : iterable
        The file's column names, in file order.
    mapping : mapping of str to str, optional
        Canonical name → source column, given by the user; it wins over the aliases. A source
        column it names must exist.
    source : str, default "customers"
        The file's name, for messages.

    Returns
    -------
    dict of str to str
        Only the columns to rename (a column already carrying its canonical name is absent). When
        two columns would take one canonical name, the first in file order takes it and the others
        keep theirs.

    Raises
    ------
    InputError
        When `mapping` names a source column the file does not have, or maps two names to one column.
    """
    names = [str(c) for c in columns]
    rename: dict[str, str] = {}
    taken: set[str] = set()
    for canonical, wanted in (mapping or {}).items():
        if str(wanted) not in names:
            raise InputError(
                f"{source}: the mapping names column {str(wanted)!r} for {canonical}, which the file lacks; "
                f"the file has {', '.join(repr(n) for n in names)}"
            )
        if str(wanted) in rename:
            raise InputError(f"{source}: the mapping maps column {str(wanted)!r} twice ({rename[str(wanted)]}, {canonical})")
        rename[str(wanted)] = canonical
        taken.add(canonical)
    taken.update(n for n in names if n in CUSTOMER_COLUMN_ALIASES and n not in rename)
    for name in names:
        if name in rename or name in CUSTOMER_COLUMN_ALIASES:
            continue
        found = _ALIAS_TO_CANONICAL.get(_loose(name))
        if found is not None and found not in taken:
            rename[name] = found
            taken.add(found)
    return {k: v for k, v in rename.items() if k != v}
