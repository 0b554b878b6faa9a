"""Believable people and companies for the demo: common Chinese names, firms that several
customers work for (and share an e-mail address at), mobiles and landlines of the firm's city."""

from __future__ import annotations

import random
from dataclasses import dataclass

from pypinyin import lazy_pinyin


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: the most common surnames, most frequent first (weights follow their rank roughly)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
    "余杜叶程苏魏吕丁沈姚卢崔钟谭陆范金石廖贾夏付方邹熊白孟秦邱江尹薛段雷侯龙史"
)
#: given names people actually carry, not random characters strung together
GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 霞 平 刚 斌 鹏 辉 浩 凯 健 帆 宁 欣 "
    "秀英 桂英 秀兰 玉兰 桂芳 建华 建国 建军 志强 志明 海燕 丽娟 晓东 晓明 晓燕 文静 文杰 "
    "俊杰 子轩 梓涵 欣怡 雨桐 思远 佳怡 嘉欣 婷婷 晨曦 浩然 宇航 博文 一鸣 国庆 红梅 春梅 "
    "丽华 小红 雪梅 振华 立新 永强 海涛 少华 慧敏 淑珍 玉梅 金凤 德明 天佑 明轩 诗涵 雅琪"
)
#: city -> (region, area code, digits of a local number)
CITIES = {
    "上海": ("华东", "21", 8),
    "北京": ("华北", "10", 8),
    "广州": ("华南", "20", 8),
    "深圳": ("华南", "755", 8),
    "杭州": ("华东", "571", 8),
    "南京": ("华东", "25", 8),
    "苏州": ("华东", "512", 8),
    "成都": ("西南", "28", 8),
    "重庆": ("西南", "23", 8),
    "武汉": ("华中", "27", 8),
    "长沙": ("华中", "731", 8),
    "郑州": ("华中", "371", 8),
    "西安": ("西北", "29", 8),
    "天津": ("华北", "22", 8),
    "青岛": ("华东", "532", 8),
    "厦门": ("华南", "592", 7),
}
#: the first part of a firm's name (its pinyin makes the firm's domain)
BRANDS = _words(
    "华瑞 恒达 鑫盛 宏信 嘉禾 博远 众诚 天翼 瑞丰 汇通 金桥 新锐 百川 安泰 广源 正泰 德润 明辉"
)
#: trade -> the industry field a customer of it gets
TRADES = {
    "科技": "互联网",
    "电子": "制造业",
    "机械": "制造业",
    "贸易": "零售",
    "物流": "物流",
    "食品": "餐饮",
    "医药": "医疗",
    "教育咨询": "教育",
    "酒店管理": "餐饮",
    "投资": "金融",
}
MOBILE_PREFIXES = _words(
    "130 131 132 135 136 137 138 139 150 151 152 157 158 159 166 177 180 182 186 187 188 189 199"
)
MAIL_HOSTS = ("qq.com", "163.com", "126.com", "sina.com", "outlook.com")


@dataclass(frozen=True)
class Company:
    name: str
    city: str
    industry: str
    domain: str
    #: the address the firm's staff share (front desk, purchasing)
    shared_email: str


def person(rng: random.Random) -> str:
    surname = SURNAMES[min(len(SURNAMES) - 1, int(rng.expovariate(1 / 18)))]
    return surname + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random, city: str) -> str:
    _region, code, digits = CITIES[city]
    return f"+86{code}{rng.randint(2, 8)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"


def companies(rng: random.Random, count: int) -> list[Company]:
    """``count`` distinct firms, each in a city, named the way Chinese firms are."""
    made: dict[str, Company] = {}
    while len(made) < count:
        city = rng.choice(list(CITIES))
        brand = rng.choice(BRANDS)
        trade = rng.choice(list(TRADES))
        name = f"{city}{brand}{trade}有限公司"
        if name in made:
            # Large demo sizes run out of plain names; a branch office keeps them apart.
            name = f"{city}{brand}{trade}有限公司第{len(made)}分公司"
        domain = f"{''.join(lazy_pinyin(brand))}{len(made)}.com.cn"
        made[name] = Company(name, city, TRADES[trade], domain, f"service@{domain}")
    return list(made.values())


def email(rng: random.Random, name: str, company: Company | None) -> str | None:
    """A personal address at the firm or a mail host, the firm's shared one, or none."""
    roll = rng.random()
    spelled = "".join(lazy_pinyin(name))
    if company is not None and roll < 0.15:
        return company.shared_email
    if company is not None and roll < 0.5:
        return f"{spelled}@{company.domain}"
    if roll < 0.8:
        return f"{spelled}{rng.randrange(10, 999)}@{rng.choice(MAIL_HOSTS)}"
    return None
