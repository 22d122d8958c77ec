from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(help_text="Any file; large ones are uploaded to B2 in parts, from disk.")
