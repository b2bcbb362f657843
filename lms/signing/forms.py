from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import PasswordField, StringField, SubmitField


class Pkcs12Form(FlaskForm):
    pkcs12 = FileField(_l("PKCS#12 file (.p12 or .pfx)"))
    password = PasswordField(_l("The file's password"))
    label = StringField(_l("Label (e.g. the PSrE and the holder)"))
    submit = SubmitField(_l("Upload and check"))


class RemoteForm(FlaskForm):
    label = StringField(_l("Name of the signing service"))
    submit = SubmitField(_l("Sign through the remote service"))
