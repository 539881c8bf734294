from django import forms

from api.models import ApiToken
from crm.forms import CleanInputMixin


class TokenForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
