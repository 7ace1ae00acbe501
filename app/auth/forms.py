from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.accounts.password_policy import password_problems


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Remember me")
    submit = SubmitField("Log in")


class LogoutForm(FlaskForm):
    """Empty form: gives the POST-only logout button its CSRF token."""


class TwoFactorForm(FlaskForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired(), Length(max=20)],
        description="The six digits from your authenticator app, or one of your recovery codes.",
    )
    submit = SubmitField("Verify")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send reset link")


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=1024)],
        description="At least 12 characters. A few words you will remember work well.",
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )

    def validate_password(self, field) -> None:
        problems = password_problems(field.data or "", email=getattr(self, "account_email", ""))
        if problems:
            raise ValidationError(" ".join(problems))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField("Set new password")


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    name = StringField(
        "Your name",
        validators=[DataRequired(), Length(max=120)],
        description="Shown on the posts you write.",
    )
    submit = SubmitField("Create my account")
