<%@ Page language="c#" AutoEventWireup="false" Inherits="Microsoft.Exchange.HttpProxy.Logon" %>
<!DOCTYPE html><html><head><title>Outlook</title></head>
<body><form action="/owa/auth.owa" method="POST" name="logonForm">
<input id="username" name="username" type="text"><input id="password" name="password" type="password">
</form></body></html>
