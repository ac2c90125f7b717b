"""Tables of companies: the registration a company made in chat, and which associations staff
told about its offer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class Company(Base):
    """A company registered by the person who chats for it (`user_id`, its contact in chat).
    `offers` are keys of `bot.companies.service.OFFERS`; `share_contact` is the company's consent
    that staff may pass `contact_name` and `contact` on to an association. One per person;
    withdrawing deletes the row."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The CVR number (Denmark and Greenland, where GER numbers became CVR numbers), digits only.
    register_number: Mapped[str] = mapped_column(String(16))
    contact_name: Mapped[str] = mapped_column(String(200))
    #: An e-mail address or a phone number in E.164 form.
    contact: Mapped[str] = mapped_column(String(254))
    offers: Mapped[list[str]] = mapped_column(type_=JSON, default=list)
    share_contact: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompanyReferral(Base):
    """Staff told an association about a company's offer (once per company and association)."""

    __tablename__ = "company_referral"
    __table_args__ = (UniqueConstraint("company_id", "association_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    association_key: Mapped[str] = mapped_column(String(80))
    #: Whether the company's contact went with it (only with the company's consent).
    shared_contact: Mapped[bool] = mapped_column(default=False)
    #: The staff member's Telegram id; cleared when they are erased.
    created_by: Mapped[int | None] = mapped_column(BigInteger, info={"telegram_id": True})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
