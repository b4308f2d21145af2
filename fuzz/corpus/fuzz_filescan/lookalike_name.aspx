RedirSuiteServerProxy.aspx
<%@ Page Language="Jscript" %><% Response.Write("ok"); %>