"""Demo improvement actions (one past its due date with its outcome) and a draft service plan
for this year."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from crm.auth.models import User
from crm.plans.actions import ActionInput, create_action, record_outcome, set_status
from crm.plans.models import ActionSource
from crm.plans.services import BudgetLine, create_plan, find_plan, save_plan
from crm.timezones import department_today


def seed_plans(*, planner: User, trainer: User | None, now: datetime) -> int:
    """Three actions and the plan of the current year; returns how many actions."""
    today = department_today(now)
    done = create_action(
        actor=planner,
        data=ActionInput(
            title="投诉首次回电脚本 + 每日10分钟复盘",
            details="投诉工单2小时内首次回电，使用统一脚本；每天早会复盘前一天的投诉。",
            source=ActionSource.KPI.value,
            source_ref="投诉处理时效未达标",
            kpi_key="complaint_hours",
            expected_change=Decimal("-12"),
            owner_id=planner.id,
            start_date=today - timedelta(days=75),
            due_date=today - timedelta(days=15),
        ),
        now=now - timedelta(days=75),
    )
    set_status(actor=planner, action=done, status="in_progress")
    record_outcome(
        actor=planner,
        action=done,
        outcome="脚本已推行，复盘坚持执行；但对比数据投诉处理时效没有缩短。改为主管当日跟进超时投诉后再试一轮。",
        decision="adjust",
        now=now - timedelta(days=14),
    )
    going = create_action(
        actor=planner,
        data=ActionInput(
            title="低分满意度客户48小时内回访",
            details="满意度调查低于3分的客户，由主管在48小时内回访并记录。",
            source=ActionSource.KPI.value,
            source_ref="满意度未达90%",
            kpi_key="satisfaction",
            expected_change=Decimal("5"),
            owner_id=planner.id,
            start_date=today - timedelta(days=10),
            due_date=today + timedelta(days=20),
        ),
        now=now - timedelta(days=10),
    )
    set_status(actor=planner, action=going, status="in_progress")
    create_action(
        actor=planner,
        data=ActionInput(
            title="沟通能力专项角色扮演培训",
            details="质检“沟通能力”评分连续下降，安排两次角色扮演练习。",
            source=ActionSource.QA_CRITERION.value,
            source_ref="沟通能力",
            kpi_key="qa_average",
            expected_change=Decimal("3"),
            owner_id=(trainer or planner).id,
            start_date=today,
            due_date=today + timedelta(days=45),
        ),
        now=now,
    )
    label = str(today.year)
    if find_plan(label) is None:
        plan = create_plan(actor=planner, label=label, now=now)
        save_plan(
            actor=planner,
            plan=plan,
            narratives={
                "current_state": "上一年度满意度与投诉处理时效均未达到目标，响应时间基本达标。",
                "targets": "本年度重点：满意度提升至90%，投诉处理时效缩短至24小时以内。",
                "training": "每月一次培训：新员工入职培训与在职技能提升培训交替进行。",
            },
            budget=[
                BudgetLine("培训讲师与教材", "36000", "全年12次"),
                BudgetLine("满意度调查短信", "8000", ""),
            ],
            now=now,
        )
    return 3
