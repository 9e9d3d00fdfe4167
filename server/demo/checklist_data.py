"""The demo city's checklist (澜江市住宅小区物业服务考核标准), as plain data.

Thirteen sections, 100 points in all. Each item names the problem category a failure files
(the words of GLOSSARY.md), its points, default severity, rectification days (severe problems
get the shortest deadlines), whether a photo is required when it fails, and the kind of estate
it applies to: `highrise` items (lifts, water tanks, fire control rooms) are "not applicable" in
low-rise estates without lifts, `company` items where no company serves the estate, and
`committee` items where no owners' committee exists.
"""

from __future__ import annotations

from typing import NamedTuple


class ItemSpec(NamedTuple):
    text: str
    category: str
    points: int
    severity: str  # a server.domain.models.Severity value
    days: int
    photo: bool = True
    applies: str = ""  # "", "highrise", "company" or "committee"


TEMPLATE_FAMILY = "city-standard"
TEMPLATE_NAME = "澜江市住宅小区物业服务考核标准"

SECTIONS: list[tuple[str, list[ItemSpec]]] = [
    ("综合管理", [
        ItemSpec("物业服务企业已在主管部门备案，项目负责人在岗履职", "综合管理不规范", 2, "minor", 15,
                 photo=False, applies="company"),
        ItemSpec("物业服务合同在有效期内，服务内容、标准和收费约定明确", "服务合同不规范", 2, "minor", 15,
                 photo=False, applies="company"),
        ItemSpec("工作人员统一着装、佩戴工牌，特种作业人员持证上岗", "人员管理不规范", 1, "minor", 15),
        ItemSpec("设服务接待点，工作时间有人值守，报修电话24小时畅通", "服务接待不到位", 1, "minor", 7),
        ItemSpec("投诉、报修处理及时，有记录、有回访", "投诉处理不及时", 2, "major", 7, photo=False),
    ]),
    ("信息公示", [
        ItemSpec("在小区显著位置公示物业服务企业名称、项目负责人、服务内容与标准", "收费信息未公示", 2,
                 "minor", 7),
        ItemSpec("公示收费项目、收费标准及价格主管部门投诉电话", "收费信息未公示", 2, "major", 7),
        ItemSpec("每季度末公示物业服务费收支情况，公示期不少于15日", "收支未公示", 3, "major", 10),
        ItemSpec("公示共用部位经营收益（广告、停车等）及使用情况", "公共收益管理不规范", 2, "major", 10),
        ItemSpec("公示电梯、消防等设施设备维保单位及应急联系电话", "收费信息未公示", 1, "minor", 7),
    ]),
    ("消防安全", [
        ItemSpec("消防车通道畅通，无占用、堵塞、封闭，标识标线清晰", "消防通道占用", 3, "severe", 1),
        ItemSpec("楼梯间、疏散通道、安全出口畅通，无锁闭", "消防通道占用", 2, "severe", 1),
        ItemSpec("灭火器配置齐全、压力正常、在有效期内", "消防设施损坏", 2, "major", 3),
        ItemSpec("室内外消火栓完好，水枪水带齐全，有水有压", "消防设施损坏", 2, "severe", 3),
        ItemSpec("应急照明和疏散指示标志完好有效", "消防设施损坏", 1, "major", 7),
        ItemSpec("消防控制室24小时双人值班、持证上岗，值班记录完整", "消防管理不规范", 1, "major", 3,
                 applies="highrise"),
        ItemSpec("每年至少组织一次消防演练，有记录和影像", "消防管理不规范", 1, "minor", 15, photo=False),
        ItemSpec("每日防火巡查，巡查记录完整", "消防管理不规范", 1, "minor", 7, photo=False),
    ]),
    ("电动自行车管理", [
        ItemSpec("无私拉电线、飞线为电动自行车充电", "飞线充电", 3, "severe", 1),
        ItemSpec("无电动自行车在楼道、楼梯间、安全出口停放或充电", "电动自行车违规停放充电", 3, "severe", 1),
        ItemSpec("无电动自行车进入电梯或入户充电，电梯阻车装置有效", "电动自行车违规停放充电", 2, "severe",
                 3, applies="highrise"),
        ItemSpec("设有集中停放充电场所，充电设施完好并配备灭火器材", "充电设施不足", 2, "major", 15),
    ]),
    ("楼道与共用部位", [
        ItemSpec("楼道、楼梯间无堆放杂物", "楼道堆放杂物", 3, "major", 3),
        ItemSpec("楼道照明完好，单元门及门禁正常使用", "设施设备老化", 1, "minor", 7),
        ItemSpec("共用部位墙面、地面、扶手完好，无乱贴乱画", "共用部位维护不到位", 1, "minor", 15),
        ItemSpec("地下室、架空层无人员居住，无违规经营", "共用部位违规使用", 1, "severe", 3),
        ItemSpec("物业服务用房按规划用途使用，未挪作他用", "物业用房挪用", 1, "major", 15),
    ]),
    ("电梯管理", [
        ItemSpec("电梯维保合同有效，维保单位具备相应资质", "电梯维保不及时", 1, "major", 7, photo=False,
                 applies="highrise"),
        ItemSpec("每15日至少维保一次，维保记录完整、签字齐全", "电梯维保不及时", 2, "major", 3,
                 applies="highrise"),
        ItemSpec("电梯定期检验合格，使用标志在有效期内并张贴于轿厢内", "电梯维保不及时", 2, "severe", 3,
                 applies="highrise"),
        ItemSpec("轿厢应急电话畅通，困人救援30分钟内到达", "电梯维保不及时", 2, "severe", 1,
                 applies="highrise"),
        ItemSpec("电梯机房整洁无杂物，通风照明良好", "设施设备老化", 1, "minor", 7, applies="highrise"),
    ]),
    ("设施设备", [
        ItemSpec("二次供水水箱每半年清洗消毒，水质检测报告公示", "二次供水管理不规范", 2, "major", 7,
                 applies="highrise"),
        ItemSpec("配电房、水泵房整洁，设备运行正常，有巡检记录", "设施设备老化", 2, "major", 7),
        ItemSpec("监控、门禁、道闸等智能化设施正常运行", "设施设备老化", 1, "minor", 15),
        ItemSpec("化粪池、雨污管网畅通，无堵塞外溢", "管网堵塞", 2, "major", 3),
        ItemSpec("设施设备无明显老化锈蚀，安全隐患及时处置", "设施设备老化", 1, "major", 15),
    ]),
    ("房屋维修养护", [
        ItemSpec("屋面、外墙、地下室无漏雨渗水", "漏雨渗水", 2, "major", 7),
        ItemSpec("外墙饰面、空调外机支架无脱落风险", "高空坠物隐患", 2, "severe", 3),
        ItemSpec("业主报修及时处理，小修及时率达标", "维修不及时", 1, "minor", 7, photo=False),
        ItemSpec("小区道路、井盖、路灯完好", "设施设备老化", 1, "minor", 7),
    ]),
    ("环境卫生", [
        ItemSpec("道路、广场、楼道定时清扫，无垃圾积存", "保洁不到位", 2, "minor", 3),
        ItemSpec("生活垃圾分类投放，垃圾桶站整洁，日产日清", "保洁不到位", 2, "minor", 3),
        ItemSpec("装修垃圾定点堆放、及时清运", "保洁不到位", 1, "major", 3),
        ItemSpec("定期开展除四害消杀，有记录", "保洁不到位", 1, "minor", 7, photo=False),
        ItemSpec("无乱张贴、乱涂画小广告", "保洁不到位", 1, "minor", 7),
        ItemSpec("排水沟渠清洁，无积水和蚊蝇孳生", "保洁不到位", 1, "minor", 7),
    ]),
    ("秩序维护", [
        ItemSpec("出入口24小时值守，外来人员、车辆登记", "秩序维护不到位", 2, "major", 3),
        ItemSpec("按规定巡逻，巡更记录完整", "秩序维护不到位", 1, "minor", 7, photo=False),
        ItemSpec("高空抛物、噪声扰民等行为及时劝阻并报告", "秩序维护不到位", 1, "minor", 7, photo=False),
        ItemSpec("制定防汛、突发事件应急预案并组织演练", "应急管理不到位", 1, "minor", 15, photo=False),
    ]),
    ("绿化养护", [
        ItemSpec("绿地植物长势良好，定期修剪，无枯死缺株", "绿化养护不到位", 1, "minor", 15),
        ItemSpec("无毁绿种菜、侵占绿地", "绿化养护不到位", 1, "minor", 15),
        ItemSpec("病虫害防治及时，无黄土裸露", "绿化养护不到位", 1, "minor", 15),
    ]),
    ("车辆停放与违章搭建", [
        ItemSpec("机动车有序停放，无占用消防车道、绿地停车", "车辆乱停放", 2, "major", 3),
        ItemSpec("非机动车停放有序", "车辆乱停放", 1, "minor", 7),
        ItemSpec("支持业主依法安装充电桩，不设置不合理障碍", "拒绝安装充电桩", 1, "major", 15, photo=False),
        ItemSpec("无违章搭建、私搭乱建，发现后及时劝阻并报告", "违章搭建", 3, "severe", 7),
        ItemSpec("装修管理规范，无破坏承重结构等违规装修", "装修管理不到位", 1, "major", 7),
    ]),
    ("业主自治与档案管理", [
        ItemSpec("建立小区基础台账（房屋、业主、设施设备），资料齐全", "档案资料不全", 2, "minor", 15,
                 photo=False),
        ItemSpec("业主大会、业主委员会（临时管委会）依法运行，会议记录完整", "业主自治不规范", 1, "minor",
                 15, photo=False, applies="committee"),
        ItemSpec("公共收益单独列账，使用经业主大会决定", "公共收益管理不规范", 2, "major", 15, photo=False),
        ItemSpec("专项维修资金使用程序合规", "维修资金使用不规范", 1, "major", 15, photo=False),
    ]),
]

# English names of the categories: the photo label when no CJK font is installed.
CATEGORY_EN: dict[str, str] = {
    "综合管理不规范": "Management irregular",
    "服务合同不规范": "Service contract irregular",
    "人员管理不规范": "Staff management irregular",
    "服务接待不到位": "Service desk unattended",
    "投诉处理不及时": "Complaints handled late",
    "收费信息未公示": "Fees and complaint phone not posted",
    "收支未公示": "Income and spending not posted",
    "公共收益管理不规范": "Public income misused",
    "消防通道占用": "Fire lane blocked",
    "消防设施损坏": "Fire equipment broken",
    "消防管理不规范": "Fire safety management lax",
    "飞线充电": "Flying-wire charging",
    "电动自行车违规停放充电": "E-bikes parked or charged indoors",
    "充电设施不足": "Too few charging points",
    "楼道堆放杂物": "Clutter in stairwell",
    "设施设备老化": "Ageing equipment",
    "共用部位维护不到位": "Common parts poorly kept",
    "共用部位违规使用": "Common parts misused",
    "物业用房挪用": "Management room misused",
    "电梯维保不及时": "Lift maintenance overdue",
    "二次供水管理不规范": "Water tank not cleaned",
    "管网堵塞": "Drains blocked",
    "漏雨渗水": "Leaks",
    "高空坠物隐患": "Falling-object hazard",
    "维修不及时": "Repairs late",
    "保洁不到位": "Cleaning below standard",
    "秩序维护不到位": "Order below standard",
    "应急管理不到位": "Emergency plan missing",
    "绿化养护不到位": "Greenery neglected",
    "车辆乱停放": "Parking disorder",
    "拒绝安装充电桩": "Car charger refused",
    "违章搭建": "Illegal structure",
    "装修管理不到位": "Renovation unmanaged",
    "档案资料不全": "Records incomplete",
    "业主自治不规范": "Owners' committee irregular",
    "维修资金使用不规范": "Repair fund misused",
}

# How often a category fails compared with the average item: the field's recurring problems
# (clutter, e-bikes, postings, cleaning, parking, ageing equipment) fail most.
CATEGORY_WEIGHT: dict[str, float] = {
    "楼道堆放杂物": 3.0,
    "飞线充电": 2.2,
    "电动自行车违规停放充电": 2.5,
    "收支未公示": 2.5,
    "收费信息未公示": 1.6,
    "保洁不到位": 1.6,
    "车辆乱停放": 2.0,
    "设施设备老化": 1.5,
    "消防通道占用": 1.5,
    "消防设施损坏": 1.8,
    "电梯维保不及时": 1.2,
    "漏雨渗水": 1.3,
    "违章搭建": 1.0,
    "秩序维护不到位": 1.2,
    "绿化养护不到位": 1.3,
}

# What an inspector writes for a failed item, by category ({loc} is the place).
DESCRIPTIONS: dict[str, list[str]] = {
    "消防通道占用": ["{loc}消防车通道被私家车占用，通道宽度不足4米", "{loc}消防通道堆放建筑材料，未及时清理",
                     "{loc}安全出口被上锁，无法正常疏散"],
    "消防设施损坏": ["{loc}灭火器压力不足，已过检验有效期", "{loc}消火栓箱内水带缺失，箱门损坏",
                     "{loc}应急照明灯不亮，疏散指示标志脱落"],
    "消防管理不规范": ["消防控制室仅一人值班，值班记录缺失近一周", "未能提供本年度消防演练记录",
                       "防火巡查记录填写不全"],
    "飞线充电": ["{loc}有电线从窗口私拉至楼下为电动自行车充电", "{loc}楼下绿化带旁发现插线板飞线充电",
                 "{loc}居民从车库私拉电线为电动车充电"],
    "电动自行车违规停放充电": ["{loc}楼道内停放电动自行车2辆", "{loc}电动自行车推入电梯，阻车装置未起作用",
                               "{loc}一楼楼梯间有电动车停放充电"],
    "充电设施不足": ["小区集中充电桩数量不足，部分充电口损坏", "集中充电棚未配备灭火器材"],
    "楼道堆放杂物": ["{loc}楼道内堆放纸箱和旧家具", "{loc}楼梯平台堆放杂物，影响通行",
                     "{loc}一楼楼道堆放废旧自行车和花盆"],
    "电梯维保不及时": ["{loc}电梯维保记录显示已超过15日未维保", "{loc}电梯使用标志已过有效期",
                       "{loc}轿厢应急电话无人接听"],
    "收支未公示": ["公告栏未公示上季度物业服务费收支情况", "收支公示张贴不足15日即被撤下",
                   "收支公示内容不全，未列明支出明细"],
    "收费信息未公示": ["未公示收费项目和收费标准", "未公示价格主管部门投诉电话",
                       "公示的项目负责人信息已过时"],
    "公共收益管理不规范": ["电梯广告收益未公示", "停车位租金收益去向不明，未单独列账"],
    "保洁不到位": ["{loc}周边垃圾未及时清运，有异味", "{loc}楼道地面积灰，扶手未擦拭",
                   "{loc}垃圾分类投放点满溢", "{loc}墙面小广告未清理"],
    "秩序维护不到位": ["{loc}门岗无人值守，外来车辆未登记进入", "巡更记录缺失，夜间巡逻不到位"],
    "违章搭建": ["{loc}楼顶私自搭建彩钢板房", "{loc}一楼住户私自扩建院墙占用绿地",
                 "{loc}露台违规加建阳光房"],
    "漏雨渗水": ["{loc}顶层楼道墙面渗水发霉", "{loc}地下车库顶板漏水", "{loc}外墙渗水导致住户室内受潮"],
    "车辆乱停放": ["{loc}机动车占用绿地停放", "{loc}道路两侧车辆乱停，影响通行",
                   "{loc}非机动车随意停放堵塞人行道"],
    "设施设备老化": ["{loc}楼道声控灯损坏", "{loc}单元门禁损坏无法关闭", "{loc}水泵房管道锈蚀渗漏",
                     "{loc}监控摄像头离线"],
}
DEFAULT_DESCRIPTIONS = ["{loc}存在问题，不符合考核标准要求", "{loc}经现场检查不达标，需限期整改"]
