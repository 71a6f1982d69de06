"""Fixed facts of the demo district: 南京市鼓楼区, three streets, eight community stations.

Names, roads and coordinates are real-looking (the roads exist around each community) so that a map
or a route drawn from the demo makes sense to someone who knows the city; nothing here is personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = {"code": "320106", "name": "鼓楼区", "city": "南京市"}
REGION = "320106"  # GB/T 2260 code of 鼓楼区, the first six digits of local ID numbers
OTHER_REGIONS = ("320102", "320104", "320105", "320113", "321102", "320282")

STREETS = (
    ("320106001", "华侨路街道"),
    ("320106002", "湖南路街道"),
    ("320106004", "宁海路街道"),
)


@dataclass(frozen=True)
class StationSite:
    code: str
    street: str  # street code
    community: str
    latitude: float
    longitude: float
    address: str
    roads: tuple[str, ...]
    share: int  # relative number of residents registered here


STATIONS = (
    StationSite("GL-01", "320106004", "颐和路社区", 32.0632, 118.7618, "颐和路28号",
                ("颐和路", "江苏路", "宁夏路", "珞珈路", "天竺路"), 120),
    StationSite("GL-02", "320106004", "五台山社区", 32.0535, 118.7720, "广州路183号",
                ("广州路", "上海路", "永庆巷", "随家仓"), 110),
    StationSite("GL-03", "320106004", "西康路社区", 32.0668, 118.7652, "西康路9号",
                ("西康路", "北京西路", "牯岭路", "莫干路"), 100),
    StationSite("GL-04", "320106002", "马台街社区", 32.0722, 118.7730, "马台街60号",
                ("马台街", "湖南路", "福建路", "三步两桥"), 95),
    StationSite("GL-05", "320106002", "山西路社区", 32.0690, 118.7765, "山西路124号",
                ("山西路", "湖北路", "云南北路", "宁夏路"), 105),
    StationSite("GL-06", "320106002", "高云岭社区", 32.0745, 118.7835, "高云岭41号",
                ("中山北路", "高云岭", "傅厚岗", "玉泉路"), 90),
    StationSite("GL-07", "320106001", "华侨路社区", 32.0478, 118.7780, "华侨路57号",
                ("华侨路", "管家桥", "石鼓路", "汉中路"), 95),
    StationSite("GL-08", "320106001", "龙池庵社区", 32.0508, 118.7655, "龙池庵12号",
                ("龙池庵", "虎踞路", "汉中门大街", "莫愁路"), 85),
)  # fmt: skip

# Surnames weighted roughly as in Jiangsu; given names typical of people born 1925-1965.
SURNAMES = (
    ("王", 7), ("张", 6), ("陈", 6), ("李", 6), ("刘", 5), ("徐", 4), ("朱", 4), ("周", 3),
    ("吴", 3), ("孙", 3), ("杨", 3), ("黄", 3), ("赵", 2), ("马", 2), ("胡", 2), ("高", 2),
    ("顾", 2), ("沈", 2), ("许", 2), ("钱", 1), ("蒋", 1), ("丁", 1), ("夏", 1), ("汤", 1),
    ("陆", 1), ("葛", 1), ("戴", 1), ("唐", 1), ("曹", 1), ("姚", 1),
)  # fmt: skip
ELDER_GIVEN = {
    "F": ("秀英", "桂英", "秀兰", "玉兰", "桂兰", "淑珍", "凤英", "玉珍", "玉英", "兰英",
          "秀珍", "桂珍", "素珍", "美英", "金凤", "凤兰", "桂芳", "秀云", "淑英", "玉梅",
          "翠英", "月英", "宝珍", "惠珍", "爱华"),
    "M": ("建国", "建华", "国华", "国强", "德明", "志明", "文华", "永康", "玉林", "德福",
          "福生", "长林", "金宝", "根生", "明华", "正华", "家富", "国庆", "振华", "宝林",
          "海林", "永福", "世昌", "树林", "兆祥"),
}  # fmt: skip
ADULT_GIVEN = {
    "F": ("丽", "红梅", "艳", "燕", "娟", "霞", "芳", "静", "敏", "海燕", "晓红", "春梅",
          "萍", "琴", "玲"),
    "M": ("伟", "军", "勇", "强", "斌", "明", "华", "建军", "晓东", "海涛", "磊", "涛", "峰",
          "兵", "鹏"),
}  # fmt: skip

MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "177", "180", "181", "186", "187", "189", "199")  # fmt: skip

HEALTH_NOTES = ("高血压", "2型糖尿病", "冠心病", "慢性阻塞性肺病", "骨关节炎", "骨质疏松",
                "轻度认知障碍", "脑卒中后遗症", "白内障术后", "听力下降", "慢性胃炎")  # fmt: skip
BEDBOUND_NOTES = ("长期卧床，需协助翻身", "需助行器行走", "吞咽困难，宜软食")

VOLUNTEER_SKILLS = ("陪伴聊天", "代购代办", "理发", "读报", "助餐送餐", "健康讲座", "书法教学",
                    "手机使用辅导", "修理小家电")  # fmt: skip

# Providers: name, credit-code body (17 characters, GB 32100), contact, address, stations covered,
# whether it is the medical/rehabilitation provider that covers the whole district.
PROVIDERS = (
    ("南京市鼓楼区颐康居家养老服务中心", "52320106MJ5823417", "周海燕", "宁海路56号",
     ("GL-01", "GL-02", "GL-03"), False),
    ("南京心贴心养老服务有限公司", "91320106MA1NK7T6X", "吴晓东", "湖南路18号",
     ("GL-04", "GL-05", "GL-06"), False),
    ("鼓楼区夕阳红社区服务社", "52320106MJ5901862", "陈春梅", "汉中路102号",
     ("GL-07", "GL-08"), False),
    ("南京悦华医养康复有限公司", "91320106MA20QB4H3", "刘峰", "中山北路230号",
     tuple(s.code for s in STATIONS), True),
)  # fmt: skip

# Contract prices in yuan per unit (unit length in minutes); the medical provider prices only its
# own services. Each provider's prices are varied a little around these.
BASE_PRICES = {
    "MEAL": ("15.00", 30), "CLEAN": ("40.00", 60), "BATH": ("80.00", 60),
    "MEDICAL": ("50.00", 30), "ESCORT": ("40.00", 60), "EMERGENCY": ("60.00", 30),
    "COMPANION": ("30.00", 60), "ERRAND": ("25.00", 30), "REHAB": ("80.00", 45),
    "LEARNING": ("20.00", 60),
}  # fmt: skip
MEDICAL_SERVICES = ("MEDICAL", "REHAB", "BATH", "ESCORT", "EMERGENCY")

CERT_SKILL = "养老护理员职业技能等级证书"
CERT_HEALTH = "健康证"
CERT_FIRST_AID = "红十字救护员证"
CERT_NURSE = "护士执业证书"
