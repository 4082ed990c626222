"""Where the alerts go: the SMTP relay Alertmanager sends its e-mails through."""

from pydantic import Field, SecretStr

from components.fields import Base, Domain, Email, Int


class SmtpConfig(Base):
    """An SMTP relay that accepts mail for the operators, with a login of its own."""

    host: Domain = Field(description="The relay's host name, e.g. smtp.gmail.com.")
    port: Int = Field(587, ge=1, le=65535, description="Its submission port: 587 (STARTTLS) or 465 (TLS).")
    sender: Email = Field(description="The From address of the alert e-mails; the relay must let `username` use it.")
    username: str = Field(min_length=1, description="The relay login.")
    password: SecretStr | None = Field(
        None, description="The relay login's password (an app password for Gmail): a Pulumi secret, "
        "mounted into Alertmanager from a Kubernetes Secret, never in the chart's values.")


class AlertsConfig(Base):
    """Alert delivery: Alertmanager e-mails every firing alert to the stack's operators."""

    smtp: SmtpConfig
