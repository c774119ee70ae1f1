"""Your profile (user menu > Profile): the email address alerts reach you at, and your name."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render


class ProfileForm(forms.ModelForm):
    email = forms.EmailField(label="Email", help_text="Budget alerts and other notifications are sent here.")

    class Meta:
        model = get_user_model()
        fields = ["email", "first_name", "last_name"]


def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("profile")
    return render(request, "vantage/profile.html", {"form": form}, status=400 if form.errors else 200)
