"""The reasons a ticket is resolved for, kept by the admin (ISO 10002 asks for an analysis of
complaints): each with an English and a Vietnamese label; switched off, never deleted, so old tickets
keep their label."""
from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

MAX_CODE = 32
MAX_LABEL = 120

# the list the migration and `demo load` start with: (code, English label, Vietnamese label)
SEED_REASONS = (
    ("carrier_delay", "Carrier delay", "Hãng vận chuyển giao chậm"),
    ("wrong_address", "Wrong address", "Sai địa chỉ"),
    ("cod_timing", "COD timing", "Thời gian đối soát COD"),
    ("app_defect", "App defect", "Lỗi ứng dụng"),
    ("seller_mistake", "Seller mistake", "Người bán nhầm lẫn"),
    ("answered_question", "Question answered", "Đã giải đáp thắc mắc"),
    ("other", "Other", "Lý do khác"),
)


class ResolutionReason(db.Model):
    """One reason; `tickets.resolution_reason` holds its code."""

    __tablename__ = "resolution_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(MAX_CODE), unique=True)
    label_en: Mapped[str] = mapped_column(String(MAX_LABEL))
    label_vi: Mapped[str] = mapped_column(String(MAX_LABEL))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
