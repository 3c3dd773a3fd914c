"""The organisers' conversation, one module per sub-conversation.

``flow.py`` is the front the handlers talk to: it finds the organiser's language and hands each command and
each button press to its sub-conversation — ``definitions`` (/new and the file), ``status`` (/list, /launch,
/pause, /resume, /close), ``stats``, ``preview``, ``moderation``, ``links``, ``access`` (who is an organiser,
/grant, /revoke). What an organiser types is checked in ``arguments``; the buttons are typed callback data
(``buttons``, on the codec every button of the bot uses); ``replies`` holds what they all hand back.
"""
