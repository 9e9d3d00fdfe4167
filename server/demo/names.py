"""Word pools for the demo city's names: the fictional prefecture city of 澜江 (Lanjiang).

Its 6-digit division code 390100 is well formed (province 39, city 01, 00 for the city level)
but no real province uses 39, so demo rows never collide with a real region.
"""

from __future__ import annotations

import random

CITY_NAME = "澜江市"
CITY_PINYIN = "lanjiang"
CITY_CODE = "3901"  # Region.code of the city; districts add 2 digits, streets 3, communities 3
CITY_DIVISION_CODE = "390100"
OFFICE_NAME = "澜江市住房和城乡建设局"
OFFICE_SHORT_NAME = "澜江住建"
LEGAL_BASIS = "《物业管理条例》《澜江市物业管理条例》《澜江市住宅小区物业服务考核办法》"
EMAIL_DOMAIN = "lanjiang-demo.example"
CITY_CENTRE = (28.9432, 112.4517)  # latitude, longitude of the old town square

# (name, pinyin) of districts; the first three are the scale-1 city.
DISTRICTS = [
    ("澜湖区", "lanhu"), ("江北区", "jiangbei"), ("高新区", "gaoxin"), ("东城区", "dongcheng"),
    ("西岭区", "xiling"), ("南浦区", "nanpu"), ("临江区", "linjiang"), ("青山区", "qingshan"),
    ("金桥区", "jinqiao"), ("白沙区", "baisha"), ("云溪区", "yunxi"), ("柳林区", "liulin"),
    ("望城区", "wangcheng"), ("石门区", "shimen"), ("凤凰区", "fenghuang"), ("桃源区", "taoyuan"),
    ("松岗区", "songgang"), ("梅园区", "meiyuan"), ("长宁区", "changning"), ("清河区", "qinghe"),
    ("平湖区", "pinghu"), ("新港区", "xingang"), ("龙泉区", "longquan"), ("鹤山区", "heshan"),
    ("兰亭区", "lanting"), ("永丰区", "yongfeng"), ("北塘区", "beitang"), ("双桥区", "shuangqiao"),
    ("翠屏区", "cuiping"), ("安澜区", "anlan"), ("瑞金区", "ruijin"), ("华阳区", "huayang"),
]

PLACE_WORDS = [
    "东湖", "西园", "南门", "北塘", "中山", "人民", "解放", "建设", "和平", "胜利", "青年", "文化",
    "朝阳", "新华", "长江", "滨江", "沿河", "望江", "观澜", "澄波", "白鹭", "荷塘", "枫桥", "柳岸",
    "杏林", "桂花", "梅岭", "竹园", "松林", "樟树", "银杏", "芙蓉", "紫薇", "丁香", "海棠", "石榴",
    "金山", "银湖", "玉泉", "翠微", "碧云", "青石", "红星", "光明", "幸福", "团结", "友谊", "前进",
    "新村", "仓前", "鼓楼", "钟楼", "府前", "学府", "书院", "状元", "文昌", "武胜", "太平", "永安",
    "长乐", "福寿", "康宁", "吉祥", "丰收", "田园", "花园", "果园", "茶园", "桃园", "梨园", "菱湖",
    "月湖", "星湖", "莲花", "凤鸣", "龙山", "虎岗", "狮峰", "象山", "马鞍", "鹿鸣", "雁塔", "鹤岭",
    "云台", "霞光", "晨曦", "晓风", "春江", "夏荷", "秋实", "冬青", "东风", "西溪", "南苑", "北关",
    "古城", "新城", "老街", "码头", "车站", "机场", "大桥", "渡口", "水井", "石桥", "铜锣", "铁山",
    "锦江", "绣水", "瑞丰", "恒昌", "嘉禾", "广源", "德胜", "兴隆", "富民", "裕华", "安居", "乐业",
]
STREET_SUFFIXES = ["", "东", "西", "南", "北", "中", "新"]
COMMUNITY_SUFFIXES = ["", "东", "西", "南", "北", "一", "二", "三", "新"]
ROAD_KINDS = ["路", "路", "街", "大道", "巷"]

ESTATE_PREFIXES = [
    "阳光", "锦绣", "翠湖", "金色", "御景", "碧水", "枫林", "紫荆", "丽景", "星河", "天悦", "华府",
    "滨江", "书香", "怡和", "盛世", "东方", "和园", "幸福", "康乐", "海棠", "桂园", "金域", "蓝湾",
    "绿洲", "香榭", "水岸", "馨苑", "君悦", "铂悦", "世纪", "时代", "未来", "春天", "半岛", "湖畔",
    "翡翠", "玫瑰", "百合", "兰亭", "梧桐", "香樟", "银杏", "东湖", "西湖", "南山", "北辰", "中央",
    "泰和", "华润", "恒安", "宏达", "嘉禾", "鸿福", "瑞祥", "锦华", "龙湖", "凤凰", "麒麟", "金桥",
    "玉兰", "清华", "博雅", "学府", "文华", "雅苑", "江南", "澜庭", "观澜", "望江", "听涛", "揽月",
    "栖霞", "云顶", "天元", "万象", "新天地", "山水", "田园", "森林", "公园", "运河", "江岸", "临湖",
    "润泽", "景秀", "丰泽", "荣华", "富源", "永安", "长安", "平安", "福地", "吉祥", "如意", "安澜",
    "尚城", "誉府", "悦府", "澜岸",
]
ESTATE_SUFFIXES = [
    "花园", "小区", "家园", "华庭", "名苑", "雅居", "新城", "公馆", "佳苑", "苑", "府", "湾", "国际",
    "嘉园", "丽都", "山庄", "城", "广场", "公寓", "新村", "世家", "水岸", "名门", "逸景", "豪庭",
    "御府", "壹号", "花城", "府邸", "里", "庭院", "雅园", "春晓", "锦城", "东苑", "西苑",
]
PHASES = ["", "二期", "三期", "四期", "五期", "六期", "七期", "八期"]

WORK_UNITS = [
    "机床厂", "纺织厂", "供电局", "第一中学", "人民医院", "粮食局", "化肥厂", "自来水公司", "铁路分局",
    "农机厂", "邮电局", "建工集团", "师范学院", "棉纺厂", "卷烟厂", "钢铁厂", "造纸厂", "水泥厂",
    "交通局", "税务局", "气象局", "中心医院", "第二中学", "职业技术学院", "制药厂", "汽车运输公司",
    "电子仪器厂", "食品公司", "百货公司", "航运公司",
]
WORK_UNIT_KINDS = ["宿舍", "家属院", "职工住宅", "生活区"]
OLD_ESTATE_KINDS = ["号院", "小区", "新村", "片区"]

COMPANY_WORDS = [
    "恒信", "中洲", "澜庭", "华景", "绿城", "安居", "嘉和", "金盾", "润达", "宏泰", "锦程", "诚信",
    "万家", "鑫源", "同心", "卓越", "鼎盛", "佳美", "康居", "明珠", "远洋", "海纳", "新宇", "祥和",
    "长青", "福满", "盛达", "宇通", "天成", "瑞和", "德信", "美好", "乐居", "保利", "东兴", "永盛",
    "华宸", "银河", "旭日", "家和", "兴业", "顺达", "星辰", "博远", "厚德", "至诚", "和顺", "汇丰",
]
COMPANY_FORMS = [
    "{city}{w}物业服务有限公司", "{city}{w}物业管理有限公司", "{w}物业服务有限公司",
    "{w}城市服务集团有限公司{city}分公司", "{city}{w}物业服务股份有限公司",
]
# The city's state-owned company; it manages estates like any other company of the demo.
FALLBACK_COMPANY = "澜江城发物业服务有限公司"

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")  # noqa: E501
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁琳晨晶欣雪倩婷颖露瑶怡佳慧峰建国志文博")  # noqa: E501


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def landline(rng: random.Random) -> str:
    return f"0739-{rng.randrange(2, 9)}{rng.randrange(10**6):06d}"
