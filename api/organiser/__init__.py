"""The organiser routes (``routes``), their request and response shapes (``schemas``), and what they compute:
a consultation's figures (``stats``, also used by ``viche stats``), its preview (``preview``), its deep link and QR
code (``links``)."""
