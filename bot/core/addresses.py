"""The mailboxes of MHHS Qualification (defaults of the mail settings; each can be configured).

- Placing Reliance proposals go to both :data:`GENERAL_ADDRESS` and :data:`REC_ADDRESS`.
- :data:`RETIRED_ADDRESS` is read by nobody: mail sent there is flagged and its sender redirected.
"""

GENERAL_ADDRESS = "MHHSQualification@elexon.co.uk"
REC_ADDRESS = "performanceassurance@recmanager.co.uk"
RETIRED_ADDRESS = "LDSO_QT@mhhsprogramme.co.uk"
